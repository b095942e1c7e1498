// Quiz attempt form: Enter in a radio button or checkbox does nothing. Browsers otherwise "submit the form
// implicitly" with its first usable submit button, which on a quiz page jumped to the last question's
// "Continue the scenario" (or, without this script, saves and reloads the page; it never submits the attempt).
(function () {
  "use strict";
  function isChoice(target) {
    return target instanceof HTMLInputElement && (target.type === "radio" || target.type === "checkbox");
  }
  function stopEnter(event) {
    if (event.key === "Enter" && isChoice(event.target) && event.target.closest("form.quiz-form")) {
      event.preventDefault();
    }
  }
  document.addEventListener("keydown", stopEnter, true);
  document.addEventListener("keypress", stopEnter, true);
})();
