"""The "Đồng bộ" area: enrolment with the upstream server and sending changes."""
