// Brent's root finder (zeroin; Brent 1973, Forsythe, Malcolm & Moler 1977), the algorithm behind R's
// uniroot: using the same method and tolerance makes estimates defined by uniroot agree with R's.
#pragma once

#include <cmath>
#include <functional>

namespace prrt::stats::detail {

//! R's uniroot default tolerance, .Machine$double.eps^0.25.
inline const double kUnirootTolerance = std::pow(2.220446049250313e-16, 0.25);

//! A root of f in [a, b], where f(a) and f(b) have opposite signs (or one is 0).
double Zeroin(const std::function<double(double)>& f, double a, double b, double tol = kUnirootTolerance,
              int max_iterations = 1000);

}  // namespace prrt::stats::detail
