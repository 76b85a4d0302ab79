#!/usr/bin/env python3
"""Whole-process verification of the real-world corpus, as a user runs it.

One `xbpf verify OBJ section S [name FN] --type T` per program of ../shared/ebpf-samples
(baselines.csv; the type as its README says), one at a time, each timed from start to exit
with its peak memory (the child's maximum resident set, from wait4). Prints the verdicts,
the total, median and slowest ten times, and the peak memory, next to PREVAIL's whole-process
figures from the same file.

    bench/real_world_verify.py [--xbpf build/bin/xbpf] [--shared ../shared] [--csv OUT]
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import time

TYPES = {1: "socket_filter", 2: "kprobe", 3: "sched_cls", 4: "sched_act", 5: "tracepoint",
         6: "xdp", 7: "perf_event", 8: "cgroup_skb", 9: "cgroup_sock", 10: "lwt_in",
         11: "lwt_out", 12: "lwt_xmit", 13: "sock_ops", 14: "sk_skb", 15: "cgroup_device",
         16: "sk_msg", 17: "raw_tracepoint", 18: "cgroup_sock_addr", 19: "lwt_seg6local",
         20: "lirc_mode2", 21: "sk_reuseport", 22: "flow_dissector", 23: "cgroup_sysctl",
         24: "raw_tracepoint_writable", 25: "cgroup_sockopt", 26: "tracing"}
PREFIXES = [("xdp", "xdp"), ("socket", "socket_filter"), ("kprobe/", "kprobe"),
            ("kretprobe/", "kprobe"), ("tracepoint/", "tracepoint"), ("classifier", "sched_cls"),
            ("action", "sched_act"), ("cgroup/skb", "cgroup_skb"), ("cgroup/sock", "cgroup_sock"),
            ("cgroup/bind", "cgroup_sock_addr"), ("cgroup/connect", "cgroup_sock_addr"),
            ("sk_skb", "sk_skb"), ("sockops", "sock_ops"), ("sk_msg", "sk_msg"),
            ("raw_tracepoint/", "raw_tracepoint"), ("perf_event", "perf_event"),
            ("lwt_in", "lwt_in"), ("lwt_out", "lwt_out"), ("lwt_xmit", "lwt_xmit"),
            ("flow_dissector", "flow_dissector"), ("cgroup/sysctl", "cgroup_sysctl"),
            ("cgroup/dev", "cgroup_device")]


def program_type(row):
    """The corpus README's rule: the kernel's type where it loaded the program, else PREVAIL's."""
    if row["kernel_prog_type"] not in ("", "0"):
        return TYPES[int(row["kernel_prog_type"])]
    if "cilium" in row["object"] and "xdp" in row["object"]:
        return "xdp"
    if "cilium" in row["object"] and "lxc" in row["object"]:
        return "sched_cls"
    for prefix, name in PREFIXES:
        if row["section"].startswith(prefix):
            return name
    return "socket_filter"


def verify(xbpf, directory, row):
    command = [xbpf, "verify", os.path.join(directory, row["object"]), "section", row["section"],
               "--type", program_type(row)]
    if row["function"] != row["section"]:
        command += ["name", row["function"]]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    verdict = {0: "accepted", 1: "rejected"}.get(code, "load error")
    return verdict, seconds, usage.ru_maxrss  # KiB on Linux


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xbpf", default=os.path.join(here, "..", "build", "bin", "xbpf"))
    parser.add_argument("--shared", default=os.environ.get("XBPF_SHARED_DIR",
                                                           os.path.join(here, "..", "..", "shared")))
    parser.add_argument("--csv", help="write one row per program here")
    args = parser.parse_args()
    directory = os.path.join(args.shared, "ebpf-samples")
    baselines = os.path.join(directory, "baselines.csv")
    if not os.path.exists(baselines):
        print(f"skipped: {baselines} is missing", file=sys.stderr)
        return 0
    rows = list(csv.DictReader(open(baselines)))
    results = []
    for row in rows:
        results.append((row,) + verify(args.xbpf, directory, row))
    if args.csv:
        with open(args.csv, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["object", "section", "function", "verdict", "seconds", "rss_kb"])
            for row, verdict, seconds, rss in results:
                writer.writerow([row["object"], row["section"], row["function"], verdict,
                                 f"{seconds:.4f}", rss])
    times = [seconds for _, _, seconds, _ in results]
    counts = {v: sum(1 for r in results if r[1] == v) for v in ("accepted", "rejected", "load error")}
    peak = max(rss for *_, rss in results)
    prevail = [float(r["prevail_wall_s"]) for r in rows if r["prevail_wall_s"]]
    prevail_rss = max(int(r["prevail_rss_kb"]) for r in rows if r["prevail_rss_kb"])
    print(f"programs {len(rows)}: accepted {counts['accepted']}, rejected {counts['rejected']}, "
          f"load errors {counts['load error']}")
    print(f"xbpf verify, one process per program: total {sum(times):.2f} s, median "
          f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.0f} ms, "
          f"peak memory {peak / 1024:.1f} MiB")
    print(f"PREVAIL (baselines.csv): total {sum(prevail):.1f} s, median "
          f"{statistics.median(prevail) * 1000:.0f} ms, max {max(prevail) * 1000:.0f} ms, "
          f"peak memory {prevail_rss / 1024:.0f} MiB")
    print("slowest ten:")
    for row, verdict, seconds, rss in sorted(results, key=lambda r: -r[2])[:10]:
        print(f"  {seconds * 1000:7.1f} ms {rss / 1024:6.1f} MiB  {verdict:10}  {row['object']} "
              f"{row['section']}/{row['function']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
