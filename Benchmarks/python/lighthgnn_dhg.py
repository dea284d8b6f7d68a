#!/usr/bin/env python3
"""DHG side of the LightHGNN inference benchmark (issue 7): HGNN teacher (dhg.models.HGNN) and a
PyTorch MLP student with LightHGNN's architecture, on the hyperedges exported by
`graphbench lighthgnn-infer --export PREFIX`. Prints one JSON line.

Timed, each as the median of --repeats runs after one warm-up, under torch.no_grad() in eval mode:
  student          MLP forward over all vertices (Linear → ReLU → BatchNorm → Dropout → Linear)
  teacher cached   HGNN forward with the hypergraph's L_HGNN already built (DHG caches it)
  teacher cold     dhg.Hypergraph(n, e_list) + singletons for isolated vertices (LightHGNN's
                   fix_iso_v) + HGNN forward, which builds L_HGNN
  structure build  the cold structure steps without the forward (Hypergraph, singletons, L_HGNN)
"""
import argparse, json, time

import numpy as np
import torch
import dhg
from dhg.models import HGNN


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def build(n, e_list):
    hg = dhg.Hypergraph(n, e_list)
    iso = np.where(np.array(hg.deg_v) == 0)[0]
    if len(iso):
        hg.add_hyperedges([(int(v),) for v in iso])
    return hg


def main():
    p = argparse.ArgumentParser()
    p.add_argument("prefix")
    p.add_argument("--vertices", type=int, default=55_000)
    p.add_argument("--dim", type=int, default=500)
    p.add_argument("--classes", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    members = np.load(args.prefix + ".members.npy")
    offsets = np.load(args.prefix + ".offsets.npy")
    e_list = [members[offsets[i]:offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]
    n = args.vertices
    x = torch.rand(n, args.dim)
    teacher = HGNN(args.dim, 32, args.classes, use_bn=False, drop_rate=0.5).eval()
    student = torch.nn.Sequential(
        torch.nn.Linear(args.dim, 128), torch.nn.ReLU(), torch.nn.BatchNorm1d(128), torch.nn.Dropout(0.5),
        torch.nn.Linear(128, args.classes)).eval()

    with torch.no_grad():
        student_s = median_time(lambda: student(x), args.repeats)
        hg = build(n, e_list)
        teacher(x, hg)  # builds and caches L_HGNN
        cached_s = median_time(lambda: teacher(x, hg), args.repeats)
        cold_s = median_time(lambda: teacher(x, build(n, e_list)), args.repeats)
        build_s = median_time(lambda: build(n, e_list).L_HGNN, args.repeats)
        one = x[:1]
        single_s = median_time(lambda: [student(one) for _ in range(200)], args.repeats) / 200

    print(json.dumps({"tool": "dhg", "dhg_version": dhg.__version__, "torch_version": torch.__version__,
                      "task": "lighthgnn-infer", "vertices": n, "hyperedges_generated": len(e_list),
                      "hyperedges_with_singletons": hg.num_e, "dim": args.dim, "classes": args.classes,
                      "threads": args.threads, "repeats": args.repeats, "student_seconds": student_s,
                      "teacher_cached_seconds": cached_s, "teacher_cold_seconds": cold_s,
                      "structure_build_seconds": build_s, "single_student_seconds": single_s}, sort_keys=True))


if __name__ == "__main__":
    main()
