# Sourced by the HTTP benchmark scripts.
# Prints "req/s p50_ms p99_ms" for one wrk run.
run() {
  wrk -t1 -c32 -d"${DURATION}s" --latency "$@" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def ms(label):
    value, unit = re.search(label + r"\s+([\d.]+)(us|ms|s)\b", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
p50, p99 = ms("50%"), ms("99%")
print(f"{rate:.0f} {p50:.3f} {p99:.3f}")'
}
