#!/usr/bin/env python3
"""The `gradients` suite's PyTorch peer: one gradient through torchdiffeq's odeint or odeint_adjoint.

Work (as the suite's neural-ode workload): an MLP 2 -> H (tanh) -> 2 as dx/dt = f(x); a batch of B initial
states; torchdiffeq's fixed-step 'rk4' with step 1/STEPS over [0, 1]; loss sum(y(1)^2); gradient for every
parameter by backprop through the solver ('backprop') or torchdiffeq's continuous adjoint ('adjoint', rk4
backwards with the same step). Reports the median milliseconds per gradient over REPS, the growth of the
process's peak RSS over the first gradient, and the relative error of the float32 gradient against the
float64 backprop gradient of the same discrete solve.

Usage: gradients_torch.py STRATEGY STEPS H B REPS [THREADS]   (PYTHONPATH must hold torchdiffeq)
Prints one line `GRADIENTS_PEER <json>`."""
import json, resource, sys, time
import torch
import torchdiffeq

strategy, steps, hidden, batch, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(int(sys.argv[6]) if len(sys.argv) > 6 else 1)
torch.manual_seed(0)


class Field(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2))

    def forward(self, t, x):
        return self.net(x)


f32 = Field()
f64 = Field().double()
f64.load_state_dict({k: v.double() for k, v in f32.state_dict().items()})
y0 = torch.rand(batch, 2) * 4 - 2
ts = torch.tensor([0.0, 1.0])
options = dict(step_size=1.0 / steps)


def gradient(field, dtype, adjoint, opts=options):
    solve = torchdiffeq.odeint_adjoint if adjoint else torchdiffeq.odeint
    kwargs = dict(adjoint_params=tuple(field.parameters())) if adjoint else {}
    ys = solve(field, y0.to(dtype), ts.to(dtype), method='rk4', options=opts, **kwargs)
    loss = (ys[-1] ** 2).sum()
    grads = torch.autograd.grad(loss, tuple(field.parameters()))
    return torch.cat([g.reshape(-1) for g in grads])


adjoint = strategy == 'adjoint'
options_warm = dict(step_size=1.0 / 10)
gradient(f32, torch.float32, adjoint, options_warm)  # warm-up: 10 steps
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
g = None
for _ in range(max(1, reps)):
    t0 = time.perf_counter()
    g = gradient(f32, torch.float32, adjoint)
    times.append((time.perf_counter() - t0) * 1000)
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ref = gradient(f64, torch.float64, False)
err = float((g.double() - ref).norm() / ref.norm())
times.sort()
print('GRADIENTS_PEER ' + json.dumps({
    'wallMs': times[len(times) // 2], 'rssGrowthKiB': rss1 - rss0, 'maxRssKiB': rss1, 'error': err,
    'torch': torch.__version__, 'threads': torch.get_num_threads(),
}))
