"""Reading deployment artifacts (ZIPs and folders) as a stream of members, never extracting."""
