#include "root_finding.h"

namespace prrt::stats::detail {

double Zeroin(const std::function<double(double)>& f, double a, double b, double tol, int max_iterations) {
  constexpr double kEpsilon = 2.220446049250313e-16;
  double fa = f(a);
  double fb = f(b);
  if (fa == 0) return a;
  if (fb == 0) return b;
  double c = a;
  double fc = fa;
  while (max_iterations-- > 0) {
    const double previous_step = b - a;
    // b is the best approximation so far, c is on the other side of the root.
    if (std::fabs(fc) < std::fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tol_act = 2 * kEpsilon * std::fabs(b) + tol / 2;
    double new_step = (c - b) / 2;
    if (std::fabs(new_step) <= tol_act || fb == 0) return b;
    if (std::fabs(previous_step) >= tol_act && std::fabs(fa) > std::fabs(fb)) {
      // Interpolate: linear (secant) with two points, inverse quadratic with three.
      double p;
      double q;
      const double cb = c - b;
      if (a == c) {
        const double t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        const double qa = fa / fc;
        const double t1 = fb / fc;
        const double t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
        q = (qa - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) {
        q = -q;
      } else {
        p = -p;
      }
      if (p < (0.75 * cb * q - std::fabs(tol_act * q) / 2) && p < std::fabs(previous_step * q / 2)) {
        new_step = p / q;
      }
    }
    if (std::fabs(new_step) < tol_act) new_step = new_step > 0 ? tol_act : -tol_act;
    a = b;
    fa = fb;
    b += new_step;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}

}  // namespace prrt::stats::detail
