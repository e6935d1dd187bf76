"""Teams: the reference domain module (endpoints / schemas / service / repository)."""
