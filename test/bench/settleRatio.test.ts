import { ratioToParse } from '../../bench/settleBench';

/**
 * `settle.ratio_to_parse` is the windows row's best turn over parse's best turn, each taken on
 * its own; the median of each turn's own ratio is printed beside it.
 */
describe('the settle row against parse over the timed turns', () => {
  // Turn 1: a slow spell on the windows row alone; turn 2: on parse alone; turn 3: quiet.
  const parse = [1100, 1800, 1120];
  const windows = [900, 500, 520];

  it('divides the row’s best turn by parse’s best turn, whichever turns they are', () => {
    expect(ratioToParse(parse, windows).best).toBeCloseTo(500 / 1100, 10);
  });

  it('pairs each turn’s row with that turn’s parse for the median of the turns', () => {
    // 900/1100 = 0.818, 500/1800 = 0.278, 520/1120 = 0.464: the median is turn 3's.
    expect(ratioToParse(parse, windows).medianOfTurns).toBeCloseTo(520 / 1120, 10);
  });

  it('reads one turn as its own ratio both ways', () => {
    expect(ratioToParse([1000], [450])).toEqual({ best: 0.45, medianOfTurns: 0.45 });
  });
});
