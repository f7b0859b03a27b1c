// network.js draws the case network with cytoscape from /network/data.
(function () {
  "use strict";

  var palette = {
    record: "#1d3557", Person: "#b5179e", Organization: "#2a9d8f", Company: "#2a9d8f", LegalEntity: "#2a9d8f"
  };

  function colour(kind) {
    return palette[kind] || "#6c757d";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("network");
    var status = document.getElementById("network-status");
    if (!box || typeof cytoscape !== "function") {
      return;
    }
    fetch(box.dataset.src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("the server answered " + r.status);
        }
        return r.json();
      })
      .then(function (g) {
        if (g.nodes.length === 0) {
          status.textContent = "The case has no records you may read yet. Create or import records with this case reference.";
          return;
        }
        var elements = g.nodes.concat(g.edges);
        var cy = cytoscape({
          container: box,
          elements: elements,
          wheelSensitivity: 0.3,
          minZoom: 0.2,
          maxZoom: 1.5,
          style: [
            { selector: "node", style: {
              "label": "data(label)", "font-size": 11, "color": "#1b1f24", "text-valign": "bottom", "text-margin-y": 4,
              "background-color": function (n) { return colour(n.data("kind")); },
              "width": 22, "height": 22, "text-wrap": "ellipsis", "text-max-width": 140
            } },
            { selector: "node[kind = 'record']", style: { "shape": "round-rectangle", "width": 30, "height": 22 } },
            { selector: "node[category = 'suspect']", style: { "border-width": 3, "border-color": "#d62828" } },
            { selector: "edge", style: {
              "width": 1.5, "line-color": "#9aa5b1", "curve-style": "bezier", "target-arrow-shape": "triangle",
              "target-arrow-color": "#9aa5b1", "label": "data(label)", "font-size": 9, "color": "#52606d",
              "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 1
            } },
            { selector: "edge[label = 'holds']", style: { "label": "", "line-style": "dotted", "target-arrow-shape": "none" } }
          ],
          layout: { name: "breadthfirst", roots: "node[kind = 'record']", spacingFactor: 1.4, padding: 30, animate: false }
        });
        cy.on("tap", "node[href]", function (ev) {
          window.location.assign(ev.target.data("href"));
        });
        status.textContent = g.nodes.length + " nodes, " + g.edges.length + " links" +
          (g.truncated ? " (the case is larger: only part is drawn)" : "") + ".";
      })
      .catch(function (err) {
        status.textContent = "The network could not be loaded: " + err.message + ". Reload the page to try again.";
      });
  });
})();
