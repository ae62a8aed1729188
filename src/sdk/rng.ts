/** The seeded PRNG stages get as ctx.rng (the engine's; re-exported for stage authors and the science libraries). */
export { hash32, makeRng, type Rng } from "../engine/contract/rng.js";
