"""ember's demo: eager tensors you can print at once, and gradients by backpropagation.

Run with `make demo`. (Once ember.nn lands, this demo trains real models instead.)
"""

import ember

ember.manual_seed(0)

print("== Eager math: every result is there to print ==")
x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("x =", x)
print("x.shape =", x.shape, " x.dtype =", x.dtype)
print("x * 2 + 1 =", x * 2 + 1)
print("x.sum(dim=0) =", x.sum(dim=0))
print("x @ x.T =", x @ x.T)

print("\n== Autograd: y = sum(w * x^2 + 3x), dy/dx = 2 w x + 3 ==")
x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = ember.tensor([0.5, -1.0, 2.0])
y = (w * x**2 + 3 * x).sum()
print("y =", y)
y.backward()
print("x.grad =", x.grad, " (expected", 2 * w * x.detach() + 3, ")")

print("\n== Higher-order: the Hessian of sum(x^3) at x ==")
x = ember.tensor([1.0, 2.0])
print(ember.autograd.functional.hessian(lambda t: (t**3).sum(), x))

print("\n== Gradient descent by hand: fit y = 3x - 2 from noisy samples ==")
xs = ember.linspace(-1, 1, 64)
ys = 3 * xs - 2 + 0.05 * ember.randn(64)
a = ember.zeros(1, requires_grad=True)
b = ember.zeros(1, requires_grad=True)
for step in range(201):
    loss = ((a * xs + b - ys) ** 2).mean()
    loss.backward()
    with ember.no_grad():
        a -= 0.3 * a.grad
        b -= 0.3 * b.grad
    a.grad = None
    b.grad = None
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}  a {a.item():+.3f}  b {b.item():+.3f}")
print(f"reached a = {a.item():.3f} (true 3), b = {b.item():.3f} (true -2), "
      f"loss {loss.item():.5f}")
