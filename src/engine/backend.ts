/**
 * The compute backend a run uses. The engine only needs a name and version to put into
 * fingerprints and run records; choosing and initialising a backend belongs to src/compute,
 * which registers a resolver here.
 */
export interface BackendInfo { readonly name: string; readonly version: string }

export type BackendResolver = (forced: string | undefined) => Promise<BackendInfo>;

let resolver: BackendResolver = async (forced) => ({ name: forced ?? "cpu", version: forced ? "forced" : "js" });

export function setBackendResolver(r: BackendResolver) { resolver = r; }
export function resolveBackend(forced = process.env.LCL_BACKEND || undefined): Promise<BackendInfo> { return resolver(forced); }
export const backendLabel = (b: BackendInfo) => (b.name === "none" ? "none" : `${b.name}@${b.version}`);

/** No stage of this graph depends on a backend (and none was forced): nothing to start. */
export const NO_BACKEND: BackendInfo = { name: "none", version: "-" };

/** Start a backend only when a stage needs one or the user named one. */
export function backendFor(usesBackend: boolean, forced = process.env.LCL_BACKEND || undefined): Promise<BackendInfo> {
  return usesBackend || forced !== undefined ? resolveBackend(forced) : Promise.resolve(NO_BACKEND);
}
