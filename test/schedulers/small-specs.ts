/**
 * One small-scale spec per registered scheduler, so that every scheduler decides within a few thousand steps of
 * the property tests (restore-then-continue, sampling). A new scheduler adds its line here; `smallSpec` says so
 * when it is missing.
 */
export const SMALL: Readonly<Record<string, string>> = {
  fastface: "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.01,maxDecays=3",
  hck: "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.01,maxDecays=3",
  multistep: "multistep:milestones=0.2,0.5,0.7",
  poly: "poly:power=2,warmup=50",
  cosine: "cosine",
  constant: "constant",
  "plateau-torch": "plateau-torch:patience=30,cooldown=5",
  "plateau-keras": "plateau-keras:patience=30,cooldown=5",
  dlib: "dlib:thresh=60,shrink=0.5",
  "hck-proto": "hck-proto:m=10,threshold=0.02",
  "mhlr-7279bad": "mhlr-7279bad:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.01",
  wsd: "wsd:warmup=50,decay=0.5",
  "plateau-timm": "plateau-timm:patience_t=30,cooldown_t=5,warmup_t=40,noise_range=100;900",
  "plateau-optax": "plateau-optax:patience=5,accumulation_size=10,cooldown=1",
};

/** The small spec of a registered scheduler (throws, naming this file, when it has none). */
export function smallSpec(name: string): string {
  const spec = SMALL[name];
  if (spec === undefined) throw new Error(`scheduler '${name}' has no small spec in test/schedulers/small-specs.ts`);
  return spec;
}
