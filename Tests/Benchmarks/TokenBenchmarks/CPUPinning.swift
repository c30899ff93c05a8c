import Foundation

/// `make bench` runs this under `taskset -c 0`, which pins the process and the `openssl speed`
/// children it starts (they inherit the mask) to one CPU: on a shared 2-vCPU machine the two vCPUs
/// see different steal, and a ceiling measured on one against our figure on the other would compare
/// machines, not code. This reads back what the kernel applied, for the report.
enum CPUPinning {
    static var allowedCPUs: String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return "unknown" }
        return line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
}
