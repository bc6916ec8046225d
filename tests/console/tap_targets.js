// The tap targets of a page smaller than 44 x 44 CSS px, each as "tag#id.class "text" WxH"
// (tests/console/test_accessibility.py says what is exempt and why). Evaluated by
// Playwright as a function.
() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button], .leaflet-control a';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({checkOpacityProperty: true, checkVisibilityCSS: true})) continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // Moved off the page (the skip link until it is focused): nothing to tap.
    if (box.right + window.scrollX <= 0 || box.bottom + window.scrollY <= 0) continue;
    // A map pin: a tap on the map around it is the target (WCAG 2.5.8 "equivalent").
    if (el.classList.contains('leaflet-marker-icon')) continue;
    // A link inside a sentence, or in the map's credit line: its size is the text's
    // (WCAG 2.5.8 "inline").
    if (el.closest('.leaflet-control-attribution')) continue;
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline'
        && el.parentElement.textContent.trim().length > el.textContent.trim().length) continue;
    // A check box or radio button is tapped through its label.
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label')
        || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) box = label.getBoundingClientRect();
    }
    if (box.width < 44 || box.height < 44) {
      const classes = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\s+/).join('.') : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes;
      const text = (el.textContent || el.value || el.getAttribute('aria-label') || '').trim();
      small.push(`${name} "${text.slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
