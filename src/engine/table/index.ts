/** The generic table layer: declared columns, logical hashing, encodings and summaries. */
export { arrowTypeOf, columnTypeOf, columnTypeToString, specCompatibility, TableSpecError } from "./spec.js";
export type { ColumnType, ListItem, Primitive, TableSpec } from "./spec.js";
export { conformTable, tableFromColumns } from "./build.js";
export { logicalHash } from "./logical-hash.js";
export { decodeTable, encodeArrowIpc, encodeParquet } from "./codec.js";
export { summarize } from "./summary.js";
export type { ColumnSummary } from "./summary.js";
