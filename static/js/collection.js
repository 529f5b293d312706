// Payment form: "all arrears" ticks every unpaid day, and the total follows the ticks.
// The server prices the payment itself and refuses it when the days cost other than the
// total shown (sent back in the hidden shown_total), so what is recorded is what was seen.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  var out = document.getElementById("pay-total");
  if (!form || !out) {
    return;
  }
  var all = form.querySelector('input[name="all_arrears"]');
  var days = form.querySelectorAll('input[name="days"]');
  var shown = document.getElementById("pay-shown-total");

  function update() {
    var sum = 0;
    days.forEach(function (box) {
      if (box.checked) {
        sum += parseInt(box.getAttribute("data-rate"), 10) || 0;
      }
    });
    out.textContent = "Rp" + sum.toLocaleString("id-ID");
    if (shown) {
      shown.value = String(sum);
    }
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
    box.addEventListener("change", function () {
      if (all && box.getAttribute("data-overdue") === "1") {
        // "All arrears" stays ticked only while every unpaid day up to today is.
        all.checked = Array.prototype.every.call(days, function (b) {
          return b.getAttribute("data-overdue") !== "1" || b.checked;
        });
      }
      update();
    });
  });
  // A page restored from the back-forward cache shows the ticks it had: count them again.
  window.addEventListener("pageshow", update);
  update();
})();
