"""How a Value shows in a notebook cell (IPython calls _repr_html_), checked without a kernel."""

from neurograd_core import Value
from neurograd_core.notebook import in_notebook


def test_html_shows_label_data_grad_and_op():
    a = Value(3.0, label="a")
    b = a.relu() * 2.5
    b.backward()
    html = b._repr_html_()
    assert "<th>label</th><th>data</th><th>grad</th><th>op</th>" in html
    assert "<td><code>7.5</code></td><td><code>1.0</code></td><td><code>mul (*)</code>" in html
    assert "<td><code>relu (ReLU)</code></td>" in a.relu()._repr_html_()
    leaf = a._repr_html_()
    assert "<td><code>a</code></td><td><code>3.0</code></td><td><code>2.5</code></td>" in leaf
    assert "<td><code>leaf</code></td>" in leaf


def test_html_escapes_the_label_and_keeps_full_precision():
    html = Value(0.1 + 0.2, label="<b>&x</b>")._repr_html_()
    assert "&lt;b&gt;&amp;x&lt;/b&gt;" in html and "<b>" not in html
    assert "0.30000000000000004" in html


def test_plain_repr_is_micrograds_and_this_is_not_a_notebook():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert not in_notebook()
