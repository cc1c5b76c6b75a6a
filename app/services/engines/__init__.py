"""Engine runs on captured data: inputs from stored datasets, rules per scenario, runs and their results.

- `inputs`: stored dataset versions -> the engines' inputs, channel latency from the analysis;
- `runs`: start, execute and read ATP and replay runs;
- `atp_rules`: ATP rules per scenario;
- `routing`: the routing cost model per scenario and routing runs;
- `identity`: customer identity resolution runs (start, execute, list, read) and review decisions;
- `identity_inputs`: what an identity run reads: customer extracts per scenario, options, its snapshot;
- `identity_results`: an identity run's metrics, record memberships, findings and CSV/XLSX exports;
- `identity_compare`: two identity runs side by side;
- `returns`: the return policy per scenario, what the architecture allows between channels, returns runs.
"""
