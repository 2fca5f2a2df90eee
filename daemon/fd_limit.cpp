#include "daemon/fd_limit.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

namespace ccd::daemon {

DescriptorPlan planDescriptorLimit(std::uint64_t soft, std::uint64_t hard,
                                   std::uint64_t connections) {
    DescriptorPlan plan;
    plan.wanted = connections + kDescriptorReserve;
    if (soft >= plan.wanted) return plan;
    auto reachable = std::min(hard, plan.wanted);
    if (reachable > soft) plan.raise_to = reachable;
    plan.enough = reachable >= plan.wanted;
    return plan;
}

std::string ensureDescriptorLimit(std::uint64_t connections) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        spdlog::warn("limits: cannot read the open-file limit (RLIMIT_NOFILE)");
        return {};
    }
    auto infinite = [](rlim_t v) {
        return v == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(v);
    };
    std::uint64_t soft = infinite(lim.rlim_cur), hard = infinite(lim.rlim_max);
    auto plan = planDescriptorLimit(soft, hard, connections);
    std::string line;
    if (plan.raise_to) {
        rlimit raised = lim;
        raised.rlim_cur = static_cast<rlim_t>(plan.raise_to);
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            soft = plan.raise_to;
        } else {
            plan.enough = false;
        }
    }
    if (soft >= plan.wanted) {
        if (plan.raise_to) {
            line = fmt::format(
                "limits: raised the open-file limit to {} for {} connections (max_connections of "
                "HTTP, console and web chat, plus {} for the rest)",
                soft, connections, kDescriptorReserve);
            spdlog::info(line);
        }
        return line;
    }
    line = fmt::format(
        "limits: the open-file limit is {} (hard limit {}), below the {} that {} connections "
        "(max_connections of HTTP, console and web chat) and {} for the rest need: accepts will fail "
        "past about {} connections. Raise it (ulimit -n, systemd LimitNOFILE=) or lower "
        "max_connections",
        soft, hard == UINT64_MAX ? std::string("unlimited") : std::to_string(hard), plan.wanted,
        connections, kDescriptorReserve, soft > kDescriptorReserve ? soft - kDescriptorReserve : 0);
    spdlog::warn(line);
    return line;
}

}  // namespace ccd::daemon
