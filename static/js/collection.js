// Payment form: "all arrears" ticks every unpaid day, and the total follows the ticks.
// The server prices the payment itself; this only shows the collector what to ask for.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  var out = document.getElementById("pay-total");
  if (!form || !out) {
    return;
  }
  var all = form.querySelector('input[name="all_arrears"]');
  var days = form.querySelectorAll('input[name="days"]');

  function update() {
    var sum = 0;
    days.forEach(function (box) {
      if (box.checked) {
        sum += parseInt(box.getAttribute("data-rate"), 10) || 0;
      }
    });
    out.textContent = "Rp" + sum.toLocaleString("id-ID");
  }

  if (all) {
    all.addEventListener("change", function () {
      days.forEach(function (box) {
        if (box.getAttribute("data-overdue") === "1") {
          box.checked = all.checked;
        }
      });
      update();
    });
  }
  days.forEach(function (box) {
    box.addEventListener("change", update);
  });
  update();
})();
