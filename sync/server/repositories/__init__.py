"""Every query the server runs lives in these modules; services call them."""
