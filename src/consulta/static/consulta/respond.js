// Autosave and character counters for the contribution form. The form works fully without this file.
(function () {
  "use strict";
  var form = document.getElementById("contribution-form");
  if (!form) return;
  var statusBox = document.getElementById("autosave-status");
  var url = form.getAttribute("data-autosave-url");
  var dirty = false;
  var saving = false;

  function counters() {
    var nodes = form.querySelectorAll("[data-counter-for]");
    Array.prototype.forEach.call(nodes, function (out) {
      var field = document.getElementById(out.getAttribute("data-counter-for"));
      if (!field) return;
      var max = parseInt(field.getAttribute("data-maxlength") || "0", 10);
      var update = function () {
        var n = field.value.length;
        out.textContent = max ? n.toLocaleString() + " / " + max.toLocaleString() : n.toLocaleString();
        out.classList.toggle("over", max > 0 && n > max);
      };
      field.addEventListener("input", update);
      update();
    });
  }

  function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (key) {
      if (data.get(key) instanceof File) data.delete(key);
    });
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.json(); })
      .then(function (body) { if (body.message) statusBox.textContent = body.message; else if (body.error) statusBox.textContent = body.error; })
      .catch(function () { dirty = true; })
      .finally(function () { saving = false; });
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file") dirty = true;
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file") dirty = true;
  });
  window.setInterval(save, 5000);
  counters();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
