// Private: tail probabilities of the reference distributions of the tests, with R's conventions at the edges.
#pragma once

namespace prrt::stats::detail {

//! P(X > chisq) for X ~ chi-squared on df degrees of freedom, as R's pchisq(chisq, df, lower.tail = FALSE):
//! 1 for a statistic <= 0 (a quadratic form that rounding took below 0); NaN for a NaN statistic or a test
//! on no degrees of freedom.
double ChiSquareUpperTail(double chisq, int df);

}  // namespace prrt::stats::detail
