/* Checks an organisation number's modulus-11 check digit as soon as nine digits are typed, and says so in the
   field's error area (a live region), with the same rule and words the server uses on submit. It speaks while
   the person types, not when the field is left, so nothing moves under a click on the next field. Anything
   shorter is left to the server's check on submit. The form works without it. */
(function () {
  "use strict";
  var WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

  function isValid(value) {
    var digits = value.replace(/\s/g, "");
    if (!/^[0-9]{9}$/.test(digits)) { return false; }
    var sum = 0;
    for (var i = 0; i < WEIGHTS.length; i++) { sum += WEIGHTS[i] * Number(digits.charAt(i)); }
    var check = 11 - (sum % 11);
    if (check === 11) { check = 0; }
    return check !== 10 && check === Number(digits.charAt(8));
  }

  function describedBy(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
  }

  function show(input, live, message) {
    var errorId = input.id + "-error";
    var wrapper = input.closest(".field");
    live.textContent = "";
    if (message) {
      var p = document.createElement("p");
      p.className = "error-message";
      p.id = errorId;
      p.textContent = message;
      live.appendChild(p);
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    describedBy(input, errorId, Boolean(message));
    if (wrapper) { wrapper.classList.toggle("field--error", Boolean(message)); }
  }

  document.querySelectorAll("input[data-orgnumber-message]").forEach(function (input) {
    var live = document.getElementById(input.id + "-live");
    if (!live) { return; }
    input.addEventListener("input", function () {
      var complete = input.value.replace(/\s/g, "").length >= 9;
      show(input, live, complete && !isValid(input.value) ? input.getAttribute("data-orgnumber-message") : "");
    });
  });
}());
