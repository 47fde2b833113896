"""Fee-risk early warning (电费风险预警): training, nightly scoring, the ranked lists, the backtest's figures."""
