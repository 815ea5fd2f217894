import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { InputError, ParseError } from "../../src/errors.ts";
import * as M from "../../src/messages/train.ts";
import { decodeImage, loadImageFolder, parsePairsFile, resizeInto } from "../../src/train/image-folder.ts";

function png(w: number, h: number, value: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([value, value, value, 255], i * 4);
  return PNG.sync.write(p);
}

function jpg(w: number, h: number, value: number): Uint8Array {
  const data = new Uint8Array(w * h * 4).fill(value);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return jpeg.encode({ data, width: w, height: h }, 95).data;
}

describe("ImageFolder datasets", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), "fastface-imgfolder-"));
    for (let id = 0; id < 6; id++) {
      const name = `person${id}`;
      mkdirSync(path.join(root, name));
      for (let i = 1; i <= 3; i++) {
        const file = path.join(root, name, `${name}_${String(i).padStart(4, "0")}`);
        if (i === 3) writeFileSync(`${file}.jpg`, jpg(16, 20, 40 * id));
        else writeFileSync(`${file}.png`, png(10, 10, 40 * id + i));
      }
    }
    writeFileSync(path.join(root, "person0", "broken.png"), "not an image");
    writeFileSync(path.join(root, "README.txt"), "ignored");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("decodes PNG and JPEG, rejects other bytes with a ParseError at byte 0", () => {
    const a = decodeImage(png(3, 2, 7), "a.png");
    assert.deepEqual([a.width, a.height, a.data[0]], [3, 2, 7]);
    const b = decodeImage(jpg(8, 8, 128), "b.jpg");
    assert.equal(b.width, 8);
    assert.ok(Math.abs(b.data[0]! - 128) <= 2);
    assert.throws(() => decodeImage(new Uint8Array([1, 2, 3, 4]), "c.bin"), ParseError);
  });

  it("resizes a constant image to the same constant", () => {
    const out = new Uint8Array(4 * 4 * 3);
    resizeInto(decodeImage(png(10, 7, 99), "x"), 4, 3, out, 0);
    assert.ok(out.every((v) => v === 99));
  });

  it("holds out identities for pairs, trains on the rest, skips undecodable files with a warning", () => {
    const ds = loadImageFolder({ path: root, imageSize: 8, channels: 1, evalIdentities: 2, pairs: 40, seed: 1 });
    assert.equal(ds.numClasses, 4);
    assert.equal(ds.eval.count, 6); // 2 identities x 3 images
    assert.equal(ds.pairs.same.length, 40);
    assert.equal(ds.height * ds.width * ds.channels, 64);
    // person0's broken.png is skipped (held out or not) with a warning; every identity keeps its 3 good images.
    assert.equal(ds.train.count, 12);
    assert.ok(ds.warnings.some((w) => w.code === M.W_SKIPPED_IMAGES));
    assert.throws(
      () =>
        loadImageFolder({
          path: path.join(root, "missing"),
          imageSize: 8,
          channels: 1,
          evalIdentities: 2,
          pairs: 10,
          seed: 1,
        }),
      InputError,
    );
  });

  it("reads an LFW pairs.txt and leaves its identities out of training", () => {
    const text = "2\t1\nperson0\t1\t2\nperson0\t1\tperson1\t3\nperson2\t2\t3\nperson2\t1\tperson3\t1\nperson9\t1\t2\n";
    const parsed = parsePairsFile(text, "pairs.txt");
    assert.equal(parsed.folds, 2);
    assert.equal(parsed.pairs.length, 5);
    assert.deepEqual(parsed.pairs[1], { n1: "person0", i1: 1, n2: "person1", i2: 3, same: false });
    assert.throws(
      () => parsePairsFile("a 1\n", "p.txt"),
      (e: unknown) => e instanceof ParseError && /line 1/.test(e.message),
    );
    const file = path.join(root, "..", `${path.basename(root)}-pairs.txt`);
    writeFileSync(file, text);
    try {
      const ds = loadImageFolder({
        path: root,
        imageSize: 8,
        channels: 3,
        evalIdentities: 0,
        pairs: 0,
        pairsFile: file,
        seed: 1,
      });
      assert.equal(ds.pairs.same.length, 4); // person9 does not exist: skipped with a warning
      assert.deepEqual(Array.from(ds.pairs.same), [1, 0, 1, 0]);
      assert.deepEqual(Array.from(ds.pairs.fold), [0, 0, 1, 1]);
      assert.ok(ds.warnings.some((w) => w.code === M.W_SKIPPED_PAIRS));
      assert.equal(ds.numClasses, 2); // person4, person5
    } finally {
      rmSync(file, { force: true });
    }
  });
});
