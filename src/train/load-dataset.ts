/**
 * Where a retrain run's data comes from: the synthetic generator or an ImageFolder tree. A plain-JSON spec so a
 * worker thread can rebuild the same data from it.
 */
import type { FaceDataset } from "./dataset.ts";
import { type ImageFolderOptions, loadImageFolder } from "./image-folder.ts";
import { type SyntheticOptions, syntheticFaces } from "./synthetic-faces.ts";

export type DatasetSpec =
  | { kind: "synthetic"; options: Partial<SyntheticOptions> }
  | { kind: "folder"; options: ImageFolderOptions };

/**
 * Build the data set a spec describes.
 *
 * @example
 * loadDataset({ kind: "synthetic", options: { seed: 1, identities: 50 } });
 */
export function loadDataset(spec: DatasetSpec): FaceDataset {
  return spec.kind === "synthetic" ? syntheticFaces(spec.options) : loadImageFolder(spec.options);
}
