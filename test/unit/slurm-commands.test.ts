import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  backoffMs, isInvalidJobId, isPermanentSubmitError, jobName, lostJobHint, parseSacct, parseSbatchJobId, parseSqueue, sbatchArgs, sbatchError,
  shellQuote, RETRYABLE_STATES, TERMINAL_STATES,
} from "../../src/engine/executors/slurm-commands.js";

// Sample outputs are written as SLURM prints them (see the squeue/sacct/sbatch man pages), not taken from lcl.

describe("sbatch", () => {
  it("reads the job id of --parsable output, with or without a cluster name, and array tasks", () => {
    expect(parseSbatchJobId("4242\n")).toBe("4242");
    expect(parseSbatchJobId("4242;gpu-cluster\n")).toBe("4242");
    expect(parseSbatchJobId("4242_7")).toBe("4242_7");
    expect(parseSbatchJobId("sbatch: warning: something\n4243\n")).toBe("4243");
    expect(parseSbatchJobId("")).toBeUndefined();
    expect(parseSbatchJobId("Submitted batch job 12")).toBeUndefined(); // not --parsable: refuse rather than guess
  });

  it("tells permanent from transient submit errors", () => {
    const invalid = sbatchError({ code: 1, stdout: "", stderr: "sbatch: error: invalid partition specified: nope\n" });
    expect(invalid).toBe("invalid partition specified: nope");
    expect(isPermanentSubmitError(invalid)).toBe(true);
    expect(isPermanentSubmitError("Batch job submission failed: Socket timed out on send/recv operation")).toBe(false);
    expect(isPermanentSubmitError("Slurm temporarily unable to accept job, sleeping and retrying")).toBe(false);
    expect(sbatchError({ code: 3, stdout: "", stderr: "" })).toBe("exit code 3");
  });

  it("builds the job's arguments: name, folder, output, resources, and a --wrap that sh runs as the exact argv", () => {
    const specFiles = ["/store/jobs/ab/spec.json", "/store/it's here/spec.json"];
    const args = sbatchArgs({
      experiment: "demo sweep", label: "scale[factor=2]+3", workspace: "/lab", output: "/store/jobs/ab/slurm-%j.out",
      resources: { partition: "gpu", cpus: 4, mem: "8G", time: "1:00:00", gpus: 1, sbatch: ["--qos=low"] }, command: ["/usr/bin/node", "/opt/lcl/dist/cli.mjs"], specFiles,
    });
    expect(args.slice(0, -1)).toEqual([
      "--parsable", "--job-name=lcl:demo_sweep:scale[factor=2]+3", "--chdir=/lab", "--output=/store/jobs/ab/slurm-%j.out",
      "--partition=gpu", "--cpus-per-task=4", "--mem=8G", "--time=1:00:00", "--gpus=1", "--qos=low",
    ]);
    const wrap = args.at(-1)!;
    expect(wrap.startsWith("--wrap=exec ")).toBe(true);
    // The reference is sh itself: the wrapped command line splits back into the argv lcl meant.
    const words = execFileSync("sh", ["-c", `for a in ${wrap.slice("--wrap=exec ".length)}; do printf '%s\\n' "$a"; done`], { encoding: "utf8" });
    expect(words.trimEnd().split("\n")).toEqual(["/usr/bin/node", "/opt/lcl/dist/cli.mjs", "exec-stage", ...specFiles]);
  });

  it("keeps job names within SLURM's charset and length", () => {
    const n = jobName("x".repeat(300), "a b;c$d");
    expect(n.length).toBe(200);
    expect(jobName("e", "a b;c$d")).toBe("lcl:e:a_b_c_d");
  });

  it("quotes for sh: whatever the string, sh hands it back unchanged", () => {
    for (const s of ["plain", "with space", "it's", "$HOME", "a\"b", "`x`", "semi;colon", "new\nline", ""]) {
      const back = execFileSync("sh", ["-c", `printf '%s' ${shellQuote(s) || "''"}`], { encoding: "utf8" });
      expect(back).toBe(s);
    }
  });
});

describe("squeue", () => {
  it("reads id|state|reason|nodes lines; 'None' is no reason; blank lines are ignored", () => {
    const out = "101|PENDING|Priority|\n102|RUNNING|None|node-7\n\n103_2|COMPLETING|None|node-1,node-2\n";
    const s = parseSqueue(out);
    expect([...s.keys()]).toEqual(["101", "102", "103_2"]);
    expect(s.get("101")).toEqual({ state: "PENDING", reason: "Priority", node: "" });
    expect(s.get("102")).toEqual({ state: "RUNNING", reason: "", node: "node-7" });
    expect(s.get("103_2")!.node).toBe("node-1,node-2");
    expect(parseSqueue("").size).toBe(0);
  });

  it("recognises the purged-job error", () => {
    expect(isInvalidJobId("slurm_load_jobs error: Invalid job id specified")).toBe(true);
    expect(isInvalidJobId("slurm_load_jobs error: Unable to contact slurm controller")).toBe(false);
  });
});

describe("sacct", () => {
  it("reads the final state, dropping 'by <uid>', and a non-zero exit code as the reason", () => {
    expect(parseSacct(0, "CANCELLED by 1000|0:15\n")).toEqual({ state: "CANCELLED", reason: "exit 0:15" });
    expect(parseSacct(0, "COMPLETED|0:0\n")).toEqual({ state: "COMPLETED", reason: "" });
    expect(parseSacct(0, "OUT_OF_MEMORY|0:125\nOUT_OF_MEMORY|0:125\n").state).toBe("OUT_OF_MEMORY");
  });

  it("without accounting (sacct fails or prints nothing) the state is UNKNOWN, which is retried", () => {
    expect(parseSacct(1, "").state).toBe("UNKNOWN");
    expect(parseSacct(0, "").state).toBe("UNKNOWN");
    expect(RETRYABLE_STATES.has("UNKNOWN")).toBe(true);
  });
});

describe("policy tables", () => {
  it("never retries what would fail the same way again, and every retryable end state but REQUEUED/UNKNOWN is terminal", () => {
    for (const s of ["TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "COMPLETED"]) expect(RETRYABLE_STATES.has(s)).toBe(false);
    for (const s of RETRYABLE_STATES) if (s !== "REQUEUED" && s !== "UNKNOWN") expect(TERMINAL_STATES.has(s)).toBe(true);
    expect(TERMINAL_STATES.has("RUNNING") || TERMINAL_STATES.has("PENDING")).toBe(false);
    expect(lostJobHint("TIMEOUT")).toMatch(/resources\.time/);
    expect(lostJobHint("OUT_OF_MEMORY")).toMatch(/resources\.mem/);
    expect(lostJobHint("NODE_FAIL")).toBe("");
  });

  it("backs off exponentially, capped at five minutes", () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(10_000, a))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(backoffMs(10_000, 20)).toBe(300_000);
  });
});
