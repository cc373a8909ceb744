/* Espace des agents : cadres des champs sur les pages, suivi de la relecture. Sans dépendance. */
(function () {
  "use strict";

  // Cadres des champs : positions en pourcentage de la page (fractions de la provenance).
  // Posées par le CSSOM, ce que la politique de sécurité du contenu autorise.
  document.querySelectorAll(".bbox").forEach(function (box) {
    box.style.left = box.dataset.left + "%";
    box.style.top = box.dataset.top + "%";
    box.style.width = box.dataset.width + "%";
    box.style.height = box.dataset.height + "%";
  });

  // Formulaire de correction : la valeur actuelle du champ choisi, pour partir d'elle.
  document.querySelectorAll(".form-correction select[name=champ]").forEach(function (select) {
    var input = select.form.querySelector("input[name=valeur]");
    function fill() {
      var option = select.options[select.selectedIndex];
      if (option && !input.dataset.touched) { input.value = option.dataset.current || ""; }
    }
    input.addEventListener("input", function () { input.dataset.touched = "1"; });
    select.addEventListener("change", function () { delete input.dataset.touched; fill(); });
    fill();
  });

  // Relecture : interroge l'état du traitement jusqu'à sa fin, puis recharge la page.
  var zone = document.getElementById("relecture");
  if (!zone || !zone.dataset.job) { return; }
  var job = zone.dataset.job;
  var dossier = zone.dataset.dossier;
  var state = document.getElementById("relecture-etat");
  var bar = document.getElementById("relecture-progression");
  var form = document.getElementById("form-relecture");
  if (form) { form.querySelector("button").disabled = true; }
  var steps = { queued: 20, started: 60, finished: 100, failed: 100 };

  function poll() {
    fetch("/agent/jobs/" + encodeURIComponent(job), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (body) {
        if (state) { state.textContent = "Relecture : " + (body.status_label || body.status) + "."; }
        if (bar) { bar.value = steps[body.status] || 10; }
        if (body.status === "finished" || body.status === "failed") {
          window.location.replace("/agent/dossiers/" + encodeURIComponent(dossier) + "?ok=" +
            (body.status === "finished" ? "relu" : "echec"));
          return;
        }
        window.setTimeout(poll, 500);
      })
      .catch(function () {
        if (state) { state.textContent = "L'état de la relecture n'a pas pu être lu ; rechargez la page."; }
      });
  }
  poll();
})();
