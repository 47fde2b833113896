/* gridpay's charts (ECharts 6, vendored): one layout for every chart of the console and the portal.

   ECharts lays a legend out apart from the grid: a legend that wraps onto a second line on a phone runs over the
   axis names and the plot. So the legend's lines are counted here, the way ECharts wraps them (its default 12 px
   font, 25×14 symbols, 10 px gaps, 5 px padding), and the grid starts below them; the grid keeps the axes, their
   labels and their names inside its bounds (outerBoundsMode "same"). A legend of more than two lines scrolls on
   one line instead, so the plot keeps its height. Counted again whenever the chart's box changes size. */
"use strict";

const GRIDPAY_LEGEND = {symbol: 25, textGap: 5, gap: 10, padding: 5, row: 14, side: 8, font: "12px sans-serif"};

function gridpayLegendLines(names, width) {
  const L = GRIDPAY_LEGEND;
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = L.font;
  const room = width - 2 * L.side - 2 * L.padding;
  let lines = 1, used = 0;
  for (const name of names) {
    const item = L.symbol + L.textGap + measure.measureText(name).width;
    if (used && used + L.gap + item > room) {
      lines += 1;
      used = item;
    } else {
      used += (used ? L.gap : 0) + item;
    }
  }
  return lines;
}

function gridpayLegendLayout(option, width) {
  const L = GRIDPAY_LEGEND;
  if (!option.legend) return {legend: {show: false}, top: 12};
  const names = option.legend.data || (option.series || []).map(series => series.name);
  const lines = gridpayLegendLines(names, width);
  const scroll = lines > 2;
  const shown = scroll ? 1 : lines;
  return {legend: {type: scroll ? "scroll" : "plain"}, top: 2 * L.padding + shown * L.row + (shown - 1) * L.gap + 10};
}

function gridpayChart(id, option) {
  const element = document.getElementById(id);
  const chart = echarts.init(element);
  const L = GRIDPAY_LEGEND;
  const layout = gridpayLegendLayout(option, element.clientWidth);
  chart.setOption({
    tooltip: {trigger: "axis", confine: true},
    ...option,
    legend: {top: 0, left: L.side, right: L.side, padding: L.padding, itemGap: L.gap, ...layout.legend,
             ...(option.legend || {})},
    grid: {left: L.side, right: L.side, top: layout.top, bottom: 8, outerBoundsMode: "same", outerBoundsContain: "all",
           ...(option.grid || {})},
  });
  let width = element.clientWidth;
  new ResizeObserver(() => {
    if (element.clientWidth !== width) {
      width = element.clientWidth;
      const again = gridpayLegendLayout(option, width);
      chart.setOption({legend: again.legend, grid: {top: again.top}});
    }
    chart.resize();
  }).observe(element);
  return chart;
}
