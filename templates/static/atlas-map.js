/* atlas: draws the shared polygons of a layer (assets/areas-<layer>.js) on a folium map,
   coloured and labelled with the page's published values. No network access. */
function atlasAreas(map, options) {
  var container = map.getContainer();
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", options.label + " (map; the table below gives the same numbers)");
  var data = (window.ATLAS_AREAS || {})[options.layer];
  if (!data) { return null; }
  var areas = L.geoJSON(data, {
    style: function (feature) {
      var value = options.values[feature.properties.id];
      return {
        fillColor: value ? value[0] : "#ffffff",
        fillOpacity: 1,
        color: "#4d4d4d",
        weight: 0.6
      };
    },
    onEachFeature: function (feature, layer) {
      var value = options.values[feature.properties.id];
      var text = feature.properties.name + (value && !value[1] ? "" :
        ": " + (value ? value[1] : "\u2013"));
      layer.bindTooltip(text, { sticky: true });
      if (feature.properties.path) {
        layer.on("click", function () {
          window.location.href = options.root + feature.properties.path;
        });
      }
      layer.on("mouseover", function () { layer.setStyle({ weight: 3, color: "#111111" }); });
      layer.on("mouseout", function () { layer.setStyle({ weight: 0.6, color: "#4d4d4d" }); });
    }
  }).addTo(map);
  /* Dots (schools): [latitude, longitude, fill, text], over the areas. */
  (options.dots || []).forEach(function (dot) {
    L.circleMarker([dot[0], dot[1]], {
      radius: 6, fillColor: dot[2], fillOpacity: 1, color: "#1a1a1a", weight: 1
    }).bindTooltip(dot[3]).addTo(map);
  });
  return areas;
}

/* Jump to a district by number, name or neighbourhood (assets/places.js), no server. */
function atlasJump(form) {
  var input = form.querySelector("input");
  var wanted = input.value.trim().toLowerCase();
  var places = window.ATLAS_PLACES || [];
  var found = null;
  for (var pass = 0; pass < 3 && !found; pass++) {
    for (var i = 0; i < places.length && !found; i++) {
      var p = places[i];
      if (pass === 0 && (p.id.toLowerCase() === wanted || p.name.toLowerCase() === wanted ||
                         p.label.toLowerCase() === wanted)) { found = p; }
      if (pass === 1 && p.name.toLowerCase().indexOf(wanted) >= 0) { found = p; }
      if (pass === 2 && p.neighbourhoods.toLowerCase().indexOf(wanted) >= 0) { found = p; }
    }
  }
  var status = form.querySelector(".jump-status");
  if (found && wanted) {
    window.location.href = form.getAttribute("data-root") + found.path;
  } else if (status) {
    status.textContent = "No district matches \u201c" + input.value + "\u201d.";
  }
  return false;
}

/* Compare: show only the two chosen districts' columns. */
function atlasCompare() {
  var a = document.getElementById("compare-a").value;
  var b = document.getElementById("compare-b").value;
  var cells = document.querySelectorAll("table.compare [data-geo]");
  for (var i = 0; i < cells.length; i++) {
    var id = cells[i].getAttribute("data-geo");
    cells[i].hidden = !(id === a || id === b);
  }
}
