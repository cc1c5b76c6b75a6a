"""Engine runs on captured data: inputs from stored datasets, rules per scenario, runs and their results.

- `inputs`: stored dataset versions -> the engines' inputs, channel latency from the analysis;
- `runs`: start, execute and read ATP and replay runs;
- `atp_rules`: ATP rules per scenario;
- `routing`: the routing cost model per scenario and routing runs;
- `identity`: customer identity resolution runs, review decisions and exports.
"""
