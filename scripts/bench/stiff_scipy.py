"""SciPy's Radau and BDF on the `stiff` bench problems (scripts/bench/stiff.ts).

Reads {"problems": [{"name", "y0", "t1", "rtol", "atol"}], "refRtol", "refAtol"} on stdin; prints
JSON with nfev, njev, nlu, steps and the end state of Radau and BDF at each problem's tolerance,
and a reference end state from Radau at refRtol/refAtol. SciPy's nfev leaves out the evaluations
of its finite-difference Jacobian (num_jac calls the vectorised field outside the counter).
"""
import json
import sys
import time

try:
    import numpy as np
    import scipy
    from scipy.integrate import solve_ivp
except ImportError as e:  # pragma: no cover
    print(json.dumps({"unavailable": "cannot import numpy/scipy: %s" % e}))
    sys.exit(0)


def robertson(t, y):
    a, b, c = y
    return [-0.04 * a + 1e4 * b * c, 0.04 * a - 1e4 * b * c - 3e7 * b * b, 3e7 * b * b]


def vdp(mu):
    return lambda t, y: [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]


FIELDS = {"robertson": robertson, "van-der-pol-1000": vdp(1000.0)}

req = json.load(sys.stdin)
out = []
for p in req["problems"]:
    f = FIELDS[p["name"]]
    span = (0.0, p["t1"])
    t0 = time.perf_counter()
    ref = solve_ivp(f, span, p["y0"], method="Radau", rtol=req["refRtol"], atol=req["refAtol"])
    row = {"problem": p["name"], "reference": ref.y[:, -1].tolist(), "refSuccess": bool(ref.success),
           "refSteps": len(ref.t) - 1, "refMs": (time.perf_counter() - t0) * 1000, "runs": []}
    for method in ("Radau", "BDF"):
        t0 = time.perf_counter()
        s = solve_ivp(f, span, p["y0"], method=method, rtol=p["rtol"], atol=p["atol"])
        row["runs"].append({"method": method, "nfev": int(s.nfev), "njev": int(s.njev), "nlu": int(s.nlu),
                            "steps": len(s.t) - 1, "success": bool(s.success), "message": str(s.message),
                            "ms": (time.perf_counter() - t0) * 1000, "y": s.y[:, -1].tolist()})
    out.append(row)
print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__, "python": sys.version.split()[0], "results": out}))
