/* The hold cart (R16): kept in this browser's localStorage, never on the server. Nothing is
   reserved until the patron confirms the hold flow. On a shared PC other people could see it,
   which the cart page says; 「取消」 removes one title, 「カートをクリア」 removes all. */
(function () {
  "use strict";

  var CART_KEY = "central.cart.v1";
  var RESULTS_KEY = "central.lastResults.v1";
  var MAX_ITEMS = 50;

  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(CART_KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && Number(i.bib) > 0; }) : [];
    } catch (e) {
      return [];
    }
  }

  function save(items) {
    try {
      window.localStorage.setItem(CART_KEY, JSON.stringify(items));
    } catch (e) {
      /* Storage full or disabled: the cart simply stays as it was. */
    }
    showCount(items);
  }

  function has(items, bib) {
    return items.some(function (i) { return Number(i.bib) === Number(bib); });
  }

  /* Adds titles not yet in the cart; returns how many were new. */
  function add(entries) {
    var items = load();
    var added = 0;
    entries.forEach(function (entry) {
      if (!has(items, entry.bib) && items.length < MAX_ITEMS) {
        items.push({ bib: Number(entry.bib), title: entry.title || "", author: entry.author || "" });
        added += 1;
      }
    });
    save(items);
    return added;
  }

  function remove(bibs) {
    var drop = bibs.map(Number);
    save(load().filter(function (i) { return drop.indexOf(Number(i.bib)) < 0; }));
  }

  function announce(text) {
    document.querySelectorAll("[data-cart-status]").forEach(function (el) { el.textContent = text; });
  }

  function showCount(items) {
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = String(items.length);
      el.hidden = items.length === 0;
      el.setAttribute("aria-label", "カート内 " + items.length + "点");
    });
  }

  function entryFrom(el) {
    return { bib: el.dataset.bib || el.value, title: el.dataset.title, author: el.dataset.author };
  }

  /* Title page: 「カートに入れる」. */
  function setUpAddButtons() {
    document.querySelectorAll("[data-cart-add]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var added = add([entryFrom(button)]);
        announce(added ? "カートに入れました。" : "この資料はすでにカートに入っています。");
      });
    });
  }

  /* Results list, signed in: tick several on-loan titles and add them at once (R18). */
  function setUpBulkAdd() {
    document.querySelectorAll("[data-cart-bulk]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var picked = Array.prototype.slice.call(document.querySelectorAll("[data-cart-pick]:checked"));
        if (picked.length === 0) {
          announce("カートに入れる資料にチェックを入れてください。");
          return;
        }
        var added = add(picked.map(entryFrom));
        picked.forEach(function (box) { box.checked = false; });
        announce(added + "点をカートに入れました。");
      });
    });
  }

  function cartRow(item) {
    var li = document.createElement("li");
    var row = document.createElement("div");
    row.className = "cart-item";
    var text = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/titles/" + Number(item.bib);
    link.textContent = item.title || "(書名不明)";
    text.appendChild(link);
    if (item.author) {
      var author = document.createElement("span");
      author.className = "t-author";
      author.textContent = item.author;
      text.appendChild(author);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "取消";
    button.setAttribute("aria-label", "「" + (item.title || "") + "」をカートから取消");
    button.dataset.cartRemove = String(item.bib);
    row.appendChild(text);
    row.appendChild(button);
    li.appendChild(row);
    return li;
  }

  function hiddenInput(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  /* Cart page: the list with 取消, 「カートをクリア」, and 「予約する」 carrying the titles. */
  function renderCart(page) {
    var items = load();
    var list = page.querySelector("[data-cart-list]");
    var fields = page.querySelector("[data-cart-fields]");
    list.replaceChildren.apply(list, items.map(cartRow));
    fields.replaceChildren.apply(fields, items.map(function (i) { return hiddenInput("bib", String(i.bib)); }));
    fields.appendChild(hiddenInput("back", window.localStorage.getItem(RESULTS_KEY) || "/search"));
    page.querySelector("[data-cart-empty]").hidden = items.length > 0;
    page.querySelector("[data-cart-total]").textContent = "(" + items.length + "点)";
    page.querySelector("[data-cart-reserve] button").disabled = items.length === 0;
    page.querySelector("[data-cart-clear]").disabled = items.length === 0;
  }

  function setUpCartPage() {
    var page = document.querySelector("[data-cart-page]");
    if (!page) {
      return;
    }
    renderCart(page);
    page.addEventListener("click", function (event) {
      var target = event.target;
      if (target.dataset.cartRemove) {
        remove([target.dataset.cartRemove]);
        renderCart(page);
        announce("カートから取り消しました。");
      } else if (target.hasAttribute("data-cart-clear")) {
        save([]);
        renderCart(page);
        announce("カートをクリアしました。");
      }
    });
  }

  /* Done page: titles just reserved leave the cart. Results page: remembered for 「予約完了」. */
  function setUpFlowMarkers() {
    var placed = document.querySelector("[data-placed-bibs]");
    if (placed && placed.dataset.placedBibs) {
      remove(placed.dataset.placedBibs.split(" "));
    }
    var results = document.querySelector("[data-results-url]");
    if (results) {
      try {
        window.localStorage.setItem(RESULTS_KEY, results.dataset.resultsUrl);
      } catch (e) {
        /* Without storage, 「予約完了」 returns to the search page instead. */
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpFlowMarkers();
    setUpAddButtons();
    setUpBulkAdd();
    setUpCartPage();
    showCount(load());
  });
})();
