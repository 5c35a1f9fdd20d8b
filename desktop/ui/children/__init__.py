"""The children area: the list, the child's record, its profile and history."""
