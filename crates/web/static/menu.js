// The header menu on narrow screens: the 菜单 button shows and hides it (Escape closes it and
// returns to the button). Without this script the button stays hidden and the menu stays open.
document.documentElement.classList.add('js');
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('menu-toggle');
  var menu = document.getElementById('site-menu');
  if (!button || !menu) return;
  function set(open) {
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    menu.classList.toggle('open', open);
  }
  button.hidden = false;
  set(false);
  button.addEventListener('click', function () {
    set(button.getAttribute('aria-expanded') !== 'true');
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
      set(false);
      button.focus();
    }
  });
});
