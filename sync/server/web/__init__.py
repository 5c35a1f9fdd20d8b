"""The upstream web dashboard: server-rendered Vietnamese pages, assets served locally."""
