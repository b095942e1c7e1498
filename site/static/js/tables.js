/* Tables that scroll sideways (issue 23; WCAG 2.1.1, 1.4.10, 4.1.2).
 *
 * A table wider than the screen scrolls inside a `.table-scroll` wrapper so that the page itself never
 * scrolls sideways. A keyboard user can only scroll a wrapper that takes focus, and a focusable wrapper needs
 * a name, so while a wrapper actually scrolls it gets tabindex="0", role="region" and the name of its table
 * (the caption, else the heading before it); when it fits again (a wider window) they are removed, so a
 * table that fits is not an extra tab stop. A table in the page's content without a wrapper (author
 * markdown, a new page) gets one. Templates may also write the attributes themselves (the compliance
 * matrix does); those are left alone.
 *
 * Without JavaScript the wrappers still scroll, and current browsers let the keyboard reach a scroller.
 */
(function () {
  'use strict';

  var counter = 0;

  function nameFor(wrapper) {
    var table = wrapper.querySelector('table');
    var caption = table && table.querySelector('caption');
    if (caption && caption.textContent.trim()) {
      if (!caption.id) { counter += 1; caption.id = 'table-caption-' + counter; }
      return { labelledby: caption.id };
    }
    var previous = wrapper.previousElementSibling;
    while (previous && !/^H[1-6]$/.test(previous.tagName)) { previous = previous.previousElementSibling; }
    if (!previous && wrapper.parentElement) {
      var section = wrapper.parentElement.closest('section, article, details, main');
      previous = section && section.querySelector('h1, h2, h3, h4, h5, h6, summary');
    }
    if (previous && previous.textContent.trim()) {
      if (!previous.id) { counter += 1; previous.id = 'table-heading-' + counter; }
      return { labelledby: previous.id };
    }
    return { label: 'Table' };
  }

  function update(wrapper) {
    var ours = wrapper.getAttribute('data-scroll-a11y') === 'added';
    var authored = !ours && wrapper.hasAttribute('tabindex');
    if (authored) { return; }
    var scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
    if (scrolls && !ours) {
      var name = nameFor(wrapper);
      wrapper.setAttribute('tabindex', '0');
      wrapper.setAttribute('role', 'region');
      if (!wrapper.hasAttribute('aria-label') && !wrapper.hasAttribute('aria-labelledby')) {
        if (name.labelledby) { wrapper.setAttribute('aria-labelledby', name.labelledby); }
        else { wrapper.setAttribute('aria-label', name.label); }
        wrapper.setAttribute('data-scroll-name', 'added');
      }
      wrapper.setAttribute('data-scroll-a11y', 'added');
    } else if (!scrolls && ours) {
      wrapper.removeAttribute('tabindex');
      wrapper.removeAttribute('role');
      if (wrapper.getAttribute('data-scroll-name') === 'added') {
        wrapper.removeAttribute('aria-labelledby');
        wrapper.removeAttribute('aria-label');
        wrapper.removeAttribute('data-scroll-name');
      }
      wrapper.removeAttribute('data-scroll-a11y');
    }
  }

  function prepare() {
    var main = document.getElementById('main');
    if (!main) { return; }
    Array.prototype.forEach.call(main.querySelectorAll('table'), function (table) {
      if (table.parentElement.closest('.table-scroll')) { return; }
      var wrapper = document.createElement('div');
      wrapper.className = 'table-scroll';
      table.parentNode.insertBefore(wrapper, table);
      wrapper.appendChild(table);
    });
    var wrappers = main.querySelectorAll('.table-scroll');
    Array.prototype.forEach.call(wrappers, update);
    if ('ResizeObserver' in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { update(entry.target); });
      });
      Array.prototype.forEach.call(wrappers, function (wrapper) { observer.observe(wrapper); });
    } else {
      window.addEventListener('resize', function () { Array.prototype.forEach.call(wrappers, update); });
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', prepare);
  } else {
    prepare();
  }
}());
