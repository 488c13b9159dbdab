/* Dashboard charts: draws every <canvas data-chart='{...}'> with the vendored Chart.js.
 *
 * The page's CSP allows no inline script, so the data rides in the canvas's data-chart
 * attribute (JSON written by the server) and all options live here. Colours come from the
 * CSS variables in app.css, so the charts follow light and dark mode; they are redrawn when
 * the OS switches. Live sync swaps whole regions of the page: a MutationObserver draws any
 * chart canvas that appears, whoever put it there, and forgets charts whose canvas has gone.
 */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return; // the tables under each chart still show the numbers
  }

  var charts = new Map();

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function colours() {
    return {
      text: cssVar("--text", "#1b1f24"),
      muted: cssVar("--muted", "#5a6472"),
      grid: cssVar("--border", "#d5dae1"),
      accent: cssVar("--accent", "#0f766e"),
      knowledge: cssVar("--k", "#1d4ed8"),
      skill: cssVar("--s", "#047857"),
      behaviour: cssVar("--b", "#7c3aed"),
    };
  }

  function hoursLabel(value) {
    return (Math.round(value * 10) / 10).toString() + " h";
  }

  function baseOptions(c, horizontal) {
    var valueAxis = {
      beginAtZero: true,
      ticks: { color: c.muted, precision: 0 },
      grid: { color: c.grid },
      title: { display: true, text: "Hours", color: c.muted },
    };
    var categoryAxis = { ticks: { color: c.text, autoSkip: true }, grid: { display: false } };
    return {
      indexAxis: horizontal ? "y" : "x",
      animation: false, // quicker, and nothing moves for people who prefer less motion
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false, labels: { color: c.text } },
        tooltip: {
          callbacks: {
            label: function (item) {
              return hoursLabel(horizontal ? item.parsed.x : item.parsed.y);
            },
          },
        },
      },
      scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
    };
  }

  function weeklyConfig(spec, c) {
    var options = baseOptions(c, false);
    options.plugins.tooltip.callbacks.title = function (items) {
      return spec.titles[items[0].dataIndex];
    };
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: "Hours", data: spec.values, backgroundColor: c.accent }],
      },
      options: options,
    };
  }

  function typesConfig(spec, c) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: "Hours", data: spec.values, backgroundColor: c.accent }],
      },
      options: baseOptions(c, true),
    };
  }

  // One dataset per category (knowledge, skills, behaviours), each with values only at its
  // own KSBs, drawn ungrouped so every code keeps one full-width bar in its category colour.
  function ksbsConfig(spec, c) {
    var order = ["knowledge", "skill", "behaviour"];
    var datasets = order
      .filter(function (category) {
        return spec.categories.indexOf(category) !== -1;
      })
      .map(function (category) {
        return {
          label: spec.category_labels[category],
          data: spec.values.map(function (value, i) {
            return spec.categories[i] === category ? value : null;
          }),
          backgroundColor: c[category],
          grouped: false,
          skipNull: true,
        };
      });
    var options = baseOptions(c, false);
    options.plugins.legend.display = true;
    options.plugins.tooltip.callbacks.title = function (items) {
      var i = items[0].dataIndex;
      return spec.labels[i] + ": " + spec.titles[i];
    };
    return { type: "bar", data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  var builders = { weekly: weeklyConfig, types: typesConfig, ksbs: ksbsConfig };

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (err) {
      return;
    }
    var build = builders[spec.kind];
    if (!build) {
      return;
    }
    var existing = charts.get(canvas);
    if (existing) {
      existing.destroy();
    }
    charts.set(canvas, new window.Chart(canvas, build(spec, colours())));
  }

  function drawAll(root) {
    if (root.matches && root.matches("canvas[data-chart]")) {
      draw(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("canvas[data-chart]").forEach(draw);
    }
  }

  function forgetRemoved() {
    charts.forEach(function (chart, canvas) {
      if (!canvas.isConnected) {
        chart.destroy();
        charts.delete(canvas);
      }
    });
  }

  function start() {
    drawAll(document);
    new MutationObserver(function (mutations) {
      var added = [];
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) added.push(node);
        });
      });
      forgetRemoved();
      // Drawn in a task of their own, after the swapped-in text has been painted: a live
      // update shows its numbers first and the charts a frame later, instead of holding the
      // whole update back while canvases are drawn (bench/live_sync.py, 8 dashboards).
      if (added.length) {
        setTimeout(function () {
          added.forEach(function (node) {
            if (node.isConnected) drawAll(node);
          });
        }, 0);
      }
    }).observe(document.body, { childList: true, subtree: true });

    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    var redraw = function () {
      charts.forEach(function (_chart, canvas) {
        draw(canvas);
      });
    };
    if (dark.addEventListener) {
      dark.addEventListener("change", redraw);
    }
    document.addEventListener("otj:theme-changed", redraw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
