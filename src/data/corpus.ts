/**
 * The offline natural-image corpus: freely licensed photographs inside Debian data packages
 * (see shared/docs/data.md). Versions are pinned; each entry says where its photos are and under
 * which licence they are distributed.
 */
export interface CorpusPackage {
  readonly name: string;
  readonly version: string;
  readonly licence: string;
  /** Photo paths (regular expressions) inside the extracted package. */
  readonly photos: readonly RegExp[];
  /** Qt resource bundles holding photos (GCompris); `photos` then match paths inside the bundle. */
  readonly rcc?: readonly string[];
  readonly approxMB: number;
}

export const CORPUS: Readonly<Record<string, CorpusPackage>> = {
  "palapeli-data": { name: "palapeli-data", version: "4:22.12.3-1", licence: "Public Domain / GFDL (per .desktop)", approxMB: 2, photos: [/^usr\/share\/palapeli\/collection\/.*\.jpg$/] },
  "sddm-theme-maldives": { name: "sddm-theme-maldives", version: "0.19.0-5", licence: "CC-BY-3.0 (Nevit Dilmen)", approxMB: 1.2, photos: [/^usr\/share\/sddm\/themes\/maldives\/background\.jpg$/] },
  "lomiri-wallpapers-20.04": { name: "lomiri-wallpapers-20.04", version: "20.04.0-2", licence: "CC-BY-SA-3.0", approxMB: 11, photos: [/^usr\/share\/backgrounds\/Kleiber_by_Lukas_Baubkus\.jpg$/] },
  "lomiri-wallpapers-16.04": { name: "lomiri-wallpapers-16.04", version: "20.04.0-2", licence: "CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 (per file)", approxMB: 16, photos: [/^usr\/share\/backgrounds\/(?!umang_)[^/]+\.jpg$/] },
  "mate-backgrounds": { name: "mate-backgrounds", version: "1.26.0-1", licence: "GPL-2+ (per file)", approxMB: 47, photos: [/^usr\/share\/backgrounds\/mate\/nature\/[^/]+\.jpg$/] },
  "python3-skimage": { name: "python3-skimage", version: "0.19.3-8", licence: "CC0 / public domain", approxMB: 21,
    photos: [/^usr\/lib\/python3\/dist-packages\/skimage\/data\/(astronaut|camera|chelsea|coffee|brick|grass|gravel|coins|motorcycle_left)\.png$/, /^usr\/lib\/python3\/dist-packages\/skimage\/data\/rocket\.jpg$/] },
  // Texture scans for the texture stimuli (issue 19), not photos of scenes: MrMamurk's paper/fabric scans and Ramón Miranda's paper/canvas/cork (debian/copyright: both CC0-1.0).
  "mypaint-data-extras": { name: "mypaint-data-extras", version: "2.0.1-9", licence: "CC0-1.0 (MrMamurk; Ramón Miranda)", approxMB: 2.9, photos: [/^usr\/share\/mypaint\/backgrounds\/(mrmamurk|ramon)\/[^/]+\.png$/] },
  "gcompris-qt-data": { name: "gcompris-qt-data", version: "3.1-2", licence: "per image, see the README in each .rcc (PD/CC0, CC-BY(-SA), GFDL, GPL-3+)", approxMB: 44,
    rcc: ["erase", "explore_monuments", "explore_world_animals", "explore_farm_animals", "explore_world_music", "clickgame", "details"].map((a) => `usr/share/gcompris-qt/rcc/${a}.rcc`),
    photos: [
      /\/erase\/resource\/[^/]+\.webp$/, /\/explore_monuments\/resource\/(egypt|france|germany|india|usa|wonders)\/[^/]+\.webp$/,
      /\/explore_world_animals\/resource\/animals\/[^/]+\.webp$/, /\/explore_farm_animals\/resource\/animals\/[^/]+\.webp$/,
      /\/explore_world_music\/resource\/music\/[^/]+\.webp$/, /\/clickgame\/resource\/sea[1-6]\.webp$/,
      /\/details\/resource\/image\/(EgeskovSlotSpejling|EilanDonanCastle|GizahPyramids|Neuschwanstein|TajMahal)_background\.webp$/,
    ] },
};

/** Small and quick to fetch: 6 photos, ~3 MB of downloads. */
export const QUICK_PACKAGES = ["palapeli-data", "sddm-theme-maldives"] as const;

/**
 * An image's id: `<package>:<file name>-<first 8 hex digits of the file's sha256>` (no package
 * for folder images). The suffix makes ids content-derived, so the same photo is recognisable
 * wherever it travels (patch pairs, trained front-ends, stimulus tables) without its pixels.
 */
export function imageId(pkg: string, fileName: string, sha256: string): string {
  return `${pkg ? pkg + ":" : ""}${fileName}-${sha256.slice(0, 8)}`;
}

/** The content part of an image id (see `imageId`); the whole id when it has none. */
export function contentKey(id: string): string {
  return /-([0-9a-f]{8})$/.exec(id)?.[1] ?? id;
}
