/* Cell renderers for dash-ag-grid. Text goes in as a React text child, so it is escaped. */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.CoeLink = function (props) {
  if (!props.value) {
    return null;
  }
  return React.createElement(
    "a",
    { href: "/coe/" + encodeURIComponent(props.value), className: "coe-link" },
    props.value
  );
};

dagcomponentfuncs.ThemeLink = function (props) {
  if (!props.value) {
    return null;
  }
  return React.createElement(
    "a",
    { href: "/themes?theme=" + encodeURIComponent(props.value), className: "theme-link" },
    props.value
  );
};
