#pragma once
// What console_bench measures with: the daemon's memory and CPU time from /proc, nearest-rank
// percentiles of a sample of latencies, and a row of the report's latency table.

#include <cstddef>
#include <vector>

namespace ccd::bench {

/// VmRSS of a process in KiB, or -1.
long rssKiB(long pid);

/// User + system CPU seconds of a process so far, or -1.
double cpuSeconds(long pid);

struct Summary {
    std::size_t n = 0;
    double p50 = 0, p90 = 0, p99 = 0, max = 0, min = 0;
};

/// Nearest-rank percentiles of a sample (sorted in place).
Summary summarize(std::vector<double>& v);

/// One row of the latency table: name, n, p50, p90, p99, max (ms).
void printRow(const char* name, const Summary& s);

}  // namespace ccd::bench
