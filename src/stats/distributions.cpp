#include "distributions.h"

#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>

namespace prrt::stats::detail {

double ChiSquareUpperTail(double chisq, int df) {
  if (std::isnan(chisq) || df < 1) return NAN;
  if (chisq <= 0) return 1;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(df), chisq));
}

}  // namespace prrt::stats::detail
