#include "prrt/clinical/decay.h"

#include <cmath>

namespace prrt::clinical {

double DecayedActivity(double activity, double elapsed_days, double half_life_days) {
  return activity * std::exp2(-elapsed_days / half_life_days);
}

}  // namespace prrt::clinical
