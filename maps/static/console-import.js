// Yizhan console: the Import page (editors). A station file is previewed first (a dry
// run of POST /api/v1/imports: counts, problem and address-only rows, possible
// duplicates, the datum check, and the rows to import on a map); "confirm import" sends
// the same file with the same options, only after a preview of exactly them. Big files
// become background jobs, polled (GET the job URL) with a progress bar until the report.
// Every text from data is set as a text node (yz.js's el) or with textContent.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var POLL_MS = 1000;
  var RETRIES = 5;  // lost connections in a row before the page gives up asking
  var NETWORK = "网络错误，请稍后再试 / network error, try again";

  function api(method, url, body) {
    return Y.api(method, url, body, {}, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  var DATUM = {};
  config.datums.forEach(function (d) { DATUM[d.code] = d; });
  var COUNTS = [
    ["rows", "文件行数", "rows in the file"],
    ["valid", "可导入", "rows to import"],
    ["would_create", "将新建", "would create"],
    ["would_update", "将更新", "would update"],
    ["created", "已新建", "created"],
    ["updated", "已更新", "updated"],
    ["unchanged", "未变", "unchanged"],
    ["revisions", "修改申请", "change proposals"],
    ["unlocated", "仅地址（导入后进入未定位）", "address only (go to Unlocated)"],
    ["problems", "问题行（不导入）", "problem rows (not imported)"],
    ["possible_duplicates", "可能重复", "possible duplicates"]
  ];
  // A problem row's field, named for people (the report gives the field's code).
  var FIELDS = {
    name: "名称 name", address: "地址 address", kind: "类型 kind", lon: "经度 longitude",
    lat: "纬度 latitude", services: "服务项目 services", opening_hours: "开放时间 opening hours",
    phone: "电话 phone", status: "状态 status", opened_on: "开放日期 opened on",
    closed_on: "关闭日期 closed on", level: "级别 level", host_org: "依托单位 host organisation",
    district: "区域 district", external_id: "编号 id", source: "来源 source"
  };
  var PHASES = {
    queued: ["排队", "queued"], reading: ["读取", "reading"],
    checking: ["检查", "checking"], writing: ["写入", "writing"]
  };

  var form = $("import-form");
  var confirmButton = $("import-confirm");
  var previewed = null;   // the signature of the file and options last previewed
  var mismatch = false;   // whether that preview found the datum wrong
  var nothing = false;    // whether that preview found no row to import
  var busy = false;
  var map = null;
  var markers = null;

  function status(text) { $("status").textContent = text; }
  function fail(text) { $("import-error").textContent = text; }

  function fill(select, items, label) {
    items.forEach(function (t) {
      select.appendChild(el("option", { value: t.code }, [label(t)]));
    });
  }
  fill($("import-kind"), config.kinds, function (t) { return t.zh + " " + t.en; });
  fill($("import-crs"), config.datums, function (d) { return d.zh + " (" + d.en + ")"; });
  fill($("import-encoding"), config.encodings, function (e) {
    return e.zh === e.en ? e.zh : e.zh + " " + e.en;
  });

  // What a preview was of: the file (name, size, time) and every option.
  function signature() {
    var f = $("import-file").files[0];
    if (!f) { return null; }
    return JSON.stringify([f.name, f.size, f.lastModified, $("import-kind").value,
      $("import-crs").value, $("import-encoding").value, $("import-source").value.trim()]);
  }

  function updateConfirm() {
    var same = previewed !== null && previewed === signature();
    var ok = same && !busy && !nothing && (!mismatch || $("datum-force").checked);
    confirmButton.disabled = !ok;
    if (!same) {
      $("confirm-hint").textContent = previewed === null ? "" :
        "文件或选项已改变，请重新预览后再导入 / the file or an option changed: preview again before importing";
    } else if (nothing) {
      $("confirm-hint").textContent =
        "没有可导入的行：请按上面的问题行修改文件后重新预览 / " +
        "nothing to import: fix the problem rows above and preview again";
    } else if (mismatch && !$("datum-force").checked) {
      $("confirm-hint").textContent =
        "坐标系检查未通过：请改用建议的坐标系重新预览，或确认仍按声明的坐标系导入 / " +
        "the datum check failed: preview again in the likely datum, or confirm the declared one";
    } else {
      $("confirm-hint").textContent = "";
    }
  }
  form.addEventListener("change", updateConfirm);
  form.addEventListener("input", updateConfirm);
  $("datum-force").addEventListener("change", updateConfirm);

  function body(dryRun, force) {
    var data = new FormData();
    data.append("file", $("import-file").files[0]);
    data.append("kind", $("import-kind").value);
    data.append("crs", $("import-crs").value);
    data.append("dry_run", dryRun ? "true" : "false");
    data.append("force", force ? "true" : "false");
    if ($("import-encoding").value) { data.append("encoding", $("import-encoding").value); }
    if ($("import-source").value.trim()) { data.append("source", $("import-source").value.trim()); }
    return data;
  }

  function setBusy(on) {
    busy = on;
    $("import-preview").disabled = on;
    updateConfirm();
  }

  // Send the file (a dry run or the import); a 202 job is polled until its report.
  function run(dryRun) {
    var sig = signature();
    if (!sig) { fail("请选择要导入的文件 / choose the file to import"); $("import-file").focus(); return; }
    fail("");
    status(dryRun ? "正在预览… / previewing…" : "正在导入… / importing…");
    $("done").hidden = true;
    $("job").hidden = true;
    if (dryRun) { $("preview").hidden = true; previewed = null; }
    var force = !dryRun && mismatch && $("datum-force").checked;
    setBusy(true);
    api("POST", "/api/v1/imports", body(dryRun, force)).then(function (r) {
      if (r.status === 200) { finish(r.data, sig); return; }
      if (r.status === 202) { poll(r.data, sig); return; }
      stopped(message(r.data, "导入失败（HTTP " + r.status + "） / the import failed (HTTP " + r.status + ")"));
    }, function () { stopped(NETWORK); });
  }

  function stopped(text) {
    setBusy(false);
    $("job").hidden = true;
    status("");
    fail(text);
  }

  function finish(report, sig) {
    setBusy(false);
    if (report.dry_run) { showPreview(report, sig); } else { showDone(report); }
  }

  function poll(job, sig) {
    showJob(job);
    if (job.state === "succeeded") { finish(job.result, sig); return; }
    if (job.state === "failed") {
      stopped(message(job.error, "导入任务失败 / the import job failed"));
      return;
    }
    window.setTimeout(function () { check(job, sig, 0); }, POLL_MS);
  }

  // Ask for the job again. The job runs on whatever the answer: a busy server (429, 503)
  // is asked again after its Retry-After, a lost connection up to RETRIES times.
  function check(job, sig, failures) {
    api("GET", job.url).then(function (r) {
      if (r.status === 200) { poll(r.data, sig); return; }
      if (r.status === 429 || r.status === 503) {
        var wait = Math.max(1, Number(r.headers.get("Retry-After")) || 5);
        $("job-count").textContent = "服务器繁忙，" + wait + " 秒后再查询进度 / the server is busy: " +
          "asking again in " + wait + " s";
        window.setTimeout(function () { check(job, sig, failures); }, wait * 1000);
        return;
      }
      stopped(message(r.data, "无法读取导入任务 / could not read the import job"));
    }, function () {
      if (failures + 1 >= RETRIES) { stopped(NETWORK); return; }
      window.setTimeout(function () { check(job, sig, failures + 1); }, POLL_MS * 2);
    });
  }

  function showJob(job) {
    $("job").hidden = false;
    var bar = $("job-progress");
    if (job.state === "succeeded") {
      $("job-phase").textContent = "完成 done";
      bar.max = job.rows_total || 1;
      bar.value = bar.max;
      $("job-count").textContent = "完成 " + (job.rows_total || 0) + " 行 / done: " +
        (job.rows_total || 0) + " rows";
      return;
    }
    var phase = PHASES[job.phase || (job.state === "queued" ? "queued" : "reading")] || PHASES.reading;
    $("job-phase").textContent = phase[0] + " " + phase[1];
    if (job.total) {
      bar.max = job.total;
      bar.value = Math.min(job.done, job.total);
      $("job-count").textContent = phase[0] + " " + job.done + " / " + job.total + " 行 rows";
    } else {
      bar.removeAttribute("value");  // indeterminate until the phase's total is known
      $("job-count").textContent = phase[0] + " " + job.done + " 行 rows";
    }
  }

  function showCounts(dl, counts) {
    clear(dl);
    COUNTS.forEach(function (c) {
      if (counts[c[0]] === undefined) { return; }
      dl.appendChild(el("div", { className: "count" }, [
        el("dt", {}, [c[1] + " ", el("small", { lang: "en" }, [c[2]])]),
        el("dd", { id: dl.id + "-" + c[0] }, [String(counts[c[0]])])
      ]));
    });
  }

  function showNotes(list, notes) {
    clear(list);
    notes.forEach(function (n) { list.appendChild(el("li", { className: "note" }, [n])); });
  }

  function datumLabel(code) { return DATUM[code] ? DATUM[code].zh : code; }

  function showDatum(datum) {
    mismatch = !!datum && datum.outcome === "mismatch";
    $("datum-warning").hidden = !mismatch;
    $("datum-force").checked = false;
    if (!mismatch) { return; }
    $("datum-message").textContent =
      "文件中的坐标看起来是 " + datumLabel(datum.likely) + "，而不是所选的 " +
      datumLabel(datum.declared) + "：按所选坐标系导入，站点会偏离实际位置数百米。 / " +
      "The coordinates look like " + datum.likely + ", not the chosen " + datum.declared +
      ": imported as chosen, the stations would land hundreds of metres off.";
    var list = $("datum-medians");
    clear(list);
    Object.keys(datum.medians_m).forEach(function (code) {
      list.appendChild(el("li", {}, [
        "按 " + datumLabel(code) + " 读取：到路网的距离中位数 " +
        Math.round(datum.medians_m[code]) + " 米 / read as " + code + ": median " +
        Math.round(datum.medians_m[code]) + " m from the streets" +
        (code === datum.declared ? "（所选 chosen）" : "") +
        (code === datum.likely ? "（最可能 likely）" : "")
      ]));
    });
    var use = $("datum-use");
    clear(use);
    use.appendChild(document.createTextNode("改用 " + datumLabel(datum.likely) + " 重新预览 "));
    use.appendChild(el("small", { lang: "en" }, ["use " + datum.likely + " and preview again"]));
    use.setAttribute("data-crs", datum.likely);
  }

  $("datum-use").addEventListener("click", function () {
    $("import-crs").value = this.getAttribute("data-crs");
    run(true);
  });

  function rowCell(text) { return el("td", {}, [text]); }

  // Problem rows and address-only rows, in file order.
  function showRows(report) {
    var rows = [];
    report.problems.forEach(function (p) {
      var field = p.code === "outside_area" ? "位置 position" : FIELDS[p.field] || p.field || "—";
      rows.push({ row: p.row, cls: "problem", field: field,
                  what: p.reason_zh + " / " + p.reason_en });
    });
    report.preview.forEach(function (p) {
      if (p.lon !== null) { return; }
      rows.push({ row: p.row, cls: "address-only", field: "坐标 coordinates",
                  what: p.name + "：只有地址，导入后进入“未定位”，在那里定位 / address only: " +
                        "goes to Unlocated after the import, to be placed there" });
    });
    rows.sort(function (a, b) { return a.row - b.row; });
    var tbody = $("preview-rows").tBodies[0];
    clear(tbody);
    rows.forEach(function (r) {
      tbody.appendChild(el("tr", { className: r.cls }, [
        rowCell(String(r.row)), rowCell(r.field), rowCell(r.what)]));
    });
    $("rows-none").hidden = rows.length > 0;
    var more = [];
    if (report.problems_total > report.problems.length) {
      more.push("问题行共 " + report.problems_total + " 行，此处列出前 " + report.problems.length +
                " 行 / " + report.problems_total + " problem rows, the first " +
                report.problems.length + " listed here");
    }
    if (report.counts.valid > report.preview.length) {
      more.push("预览列出将导入的前 " + report.preview.length + " 行（共 " + report.counts.valid +
                " 行） / the preview shows the first " + report.preview.length + " of " +
                report.counts.valid + " rows to import");
    }
    $("rows-more").textContent = more.join("；");
    $("rows-more").hidden = more.length === 0;
  }

  function showDuplicates(report) {
    var tbody = $("preview-duplicates").tBodies[0];
    clear(tbody);
    report.duplicates.forEach(function (d) {
      var near = el("ul", { className: "list" }, d.candidates.map(function (c) {
        return el("li", {}, [c.name + " #" + c.id + " · ",
          el("span", { className: "distance" }, [Math.round(c.distance_m) + " 米 m"])]);
      }));
      tbody.appendChild(el("tr", {}, [rowCell(String(d.row)), rowCell(d.name),
                                      el("td", {}, [near])]));
    });
    $("duplicates").hidden = report.duplicates.length === 0;
  }

  function showMap(report) {
    if (!map) {
      map = L.map("preview-map", { keyboard: true })
        .setView([config.centre[1], config.centre[0]], 14);
      window.YizhanBasemap.add(map, config.basemap); // our tiles (YIZHAN_TILE_URL's first when set)
      markers = L.featureGroup().addTo(map);
    }
    map.invalidateSize();
    markers.clearLayers();
    var located = report.preview.filter(function (p) { return p.lon !== null; });
    located.forEach(function (p) {
      // Not each in the tab order: the table and the counts say the same for keyboards.
      L.marker([p.lat, p.lon], { title: "第 " + p.row + " 行 row: " + p.name, keyboard: false })
        .addTo(markers);
    });
    $("preview-shown").textContent = "（地图上 " + located.length + " 个 / " + located.length +
                                     " on the map）";
    if (located.length) {
      // The top padding holds a marker's 41 px icon above its point.
      map.fitBounds(markers.getBounds(), { paddingTopLeft: [20, 50], paddingBottomRight: [20, 10],
                                           maxZoom: 17, animate: false });
    }
  }

  function showPreview(report, sig) {
    status("预览完成：尚未导入任何数据 / preview done: nothing is imported yet");
    $("preview").hidden = false;
    $("preview-file").textContent = report.file;
    showDatum(report.datum);
    showCounts($("preview-counts"), report.counts);
    showNotes($("preview-notes"), report.notes);
    showRows(report);
    showDuplicates(report);
    showMap(report);
    previewed = sig;
    nothing = report.counts.valid === 0;
    updateConfirm();
    $("preview-title").focus();
  }

  function showDone(report) {
    previewed = null;
    mismatch = false;
    $("preview").hidden = true;
    updateConfirm();
    status("导入完成 / imported");
    $("done").hidden = false;
    $("done-file").textContent = report.file;
    showCounts($("done-counts"), report.counts);
    showNotes($("done-notes"), report.notes);
    var problems = $("done-problems");
    problems.hidden = !report.problems_total;
    problems.setAttribute("href", report.problems_url);
    var unlocated = $("done-unlocated");
    clear(unlocated);
    unlocated.hidden = !report.counts.unlocated;
    unlocated.appendChild(document.createTextNode(
      report.counts.unlocated + " 个站点只有地址：去“未定位”定位 "));
    unlocated.appendChild(el("small", { lang: "en" }, [
      report.counts.unlocated + " address-only stations: place them in Unlocated"]));
    $("done-title").focus();
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!busy) { run(true); }
  });
  confirmButton.addEventListener("click", function () {
    if (!busy && !confirmButton.disabled) { run(false); }
  });
}());
