#include <algorithm>
#include <connectors/backoff.hpp>

namespace carelisten::connectors {

std::chrono::milliseconds Backoff::NextDelay() {
    ++failures_;
    const std::uint32_t doublings = std::min<std::uint32_t>(failures_ - 1, 30);
    const auto uncapped = base_.count() * (std::int64_t{1} << doublings);
    const auto capped = std::min<std::int64_t>(uncapped, max_.count());
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(capped) * jitter(random_)));
}

}  // namespace carelisten::connectors
