// The hypergeometric distribution computed as R's nmath computes it, operation for operation: the density by
// Loader's saddle-point method (C. Loader, "Fast and accurate computation of binomial probabilities", 2000)
// and the distribution function by the series R's phyper sums.
//
// Why not any accurate method: Fisher's 2 x 2 odds ratio and its confidence limits are roots that R's uniroot
// finds only to within 1.2e-4, and where within that it stops depends on the last bits of the function's
// values. With log-factorial differences a mean that is exactly 3 came out as 3.0000000000000004, Brent's
// method took another path, and the odds ratio ended 6.6e-5 (relative) away from R's. With the same values
// the same path is taken and the estimates agree with R's to the last digit.
#pragma once

namespace prrt::stats::detail {

//! log P(X = x) for X the number of white balls among `drawn` drawn without replacement from `white` white
//! and `black` black (R's dhyper(x, white, black, drawn, log = TRUE)); -infinity outside the support.
double LogHypergeometricDensity(int x, int white, int black, int drawn);

//! P(X <= x), or with `lower_tail` false P(X > x), as R's phyper(x, white, black, drawn, lower_tail).
double HypergeometricCdf(int x, int white, int black, int drawn, bool lower_tail);

}  // namespace prrt::stats::detail
