"""Views of a Neurograd graph: graphviz ``draw_dot`` and a plain-text tree."""
