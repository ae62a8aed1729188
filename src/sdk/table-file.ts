export { readTableFile } from "../engine/contract/index.js";
