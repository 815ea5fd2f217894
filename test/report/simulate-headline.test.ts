/**
 * The simulate report's one sentence per scheduler says whether the ensemble reaches the target once: the verdict
 * ("k/k members: ...") carries it, the rest adds when (all or some reach) and nothing when none does.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { simulateHeadline } from "../../src/report/sections-simulate.ts";
import { simulateFixture } from "./fixtures-kinds.ts";

function lineOf(
  spec: string,
  edit?: (e: NonNullable<ReturnType<typeof simulateFixture>["schedulers"][number]["ensemble"]>) => void,
) {
  const r = simulateFixture();
  const s = r.schedulers.find((x) => x.spec === spec)!;
  if (edit) edit(s.ensemble!);
  return simulateHeadline(r).find((l) => l.startsWith(`${spec}:`))!;
}

const reachCount = (line: string) => (line.match(/reach/g) ?? []).length;

describe("simulate headline: reaching the target said once", () => {
  it("no member reaches it: the verdict only, no 'never reaches the target' after it", () => {
    const line = lineOf("multistep:milestones=700", (e) => {
      e.verdict = "2/2 members: does not reach the target";
    });
    assert.match(line, /^multistep:milestones=700: 2\/2 members: does not reach the target; loss at the budget 2\.15 /);
    assert.equal(reachCount(line), 1, line);
  });
  it("every member reaches it: the verdict, then when", () => {
    const line = lineOf("fastface", (e) => {
      e.reached = 2;
      e.verdict = "2/2 members: reaches target";
    });
    // steps to target 800 of the fixture's last step 950: 84.2%
    assert.match(line, /^fastface: 2\/2 members: reaches target at 84\.2% of the logged steps \(median; 10–90% /);
    assert.equal(reachCount(line), 1, line);
  });
  it("the members disagree: the verdict, then when those that reach it do", () => {
    const line = lineOf("fastface");
    assert.match(
      line,
      /^fastface: 1\/2 members: reaches target; 1\/2: not \(the members disagree; those that reach it do at 84\.2% of the logged steps/,
    );
    assert.equal(reachCount(line), 2, line);
  });
});
