// Rows of `label,pixel1..pixelN` parsed byte by byte as chunks arrive (fflate's push(chunk, final)
// shape): values go straight into the block being filled, so a CSV of any length costs one block
// and one chunk of memory. Strict as a reader of published files must be: integers 0-255 only,
// every row as wide as the first (or the header), blank lines skipped (as pandas skips them).
import { CsvFormatError } from '../errors.js';

/** One filled run of rows: `count` labels and `count * pixels` pixel values. */
export interface CsvRows {
  readonly labels: Uint8Array;
  readonly pixels: Uint8Array;
  /** The data row (from 0, the header not counted) of the first row. */
  readonly first: number;
  readonly count: number;
  /** Pixel columns per row. */
  readonly width: number;
}

const COMMA = 44;
const NEWLINE = 10;
const RETURN = 13;
const ZERO = 48;
const NINE = 57;
/** Most columns a row may have before its width is known: a 65,535 x 65,535 image would not fit a block anyway. */
const MOST_COLUMNS = 1 << 24;

/** Parses `label,pixel...` rows into runs of `rowsPerRun`; `push()` returns the runs it completed. */
export class CsvRowParser {
  private line = 1;
  private column = 1;
  private value = 0;
  private digits = 0;
  private offset = 0;
  private afterReturn = false;
  private atStart = true;
  private header: number[] | undefined;
  private columns = 0; // 0 until the header or the first row has been read
  private firstRow: number[] | undefined; // the first row's values while its width is unknown
  private labels!: Uint8Array;
  private pixels!: Uint8Array;
  private row = 0; // rows in the current run
  private rows = 0; // rows in runs already completed

  constructor(
    private readonly file: string,
    private readonly rowsPerRun: number,
  ) {}

  /** Pixel columns per row, once known (0 before). */
  get width(): number {
    return this.columns === 0 ? 0 : this.columns - 1;
  }

  private fail(expected: string, found: string): never {
    throw new CsvFormatError({ file: this.file, line: this.line, column: this.column, offset: this.offset, expected, found });
  }

  /** Parses `chunk`; `final` ends the file. Returns the runs of rows completed. */
  push(chunk: Uint8Array, final = false): CsvRows[] {
    const done: CsvRows[] = [];
    let i = 0;
    if (this.atStart && chunk.length > 0) {
      this.atStart = false;
      if (chunk[0] < ZERO || chunk[0] > NINE) this.header = [];
    }
    for (; i < chunk.length; i++, this.offset++) {
      const c = chunk[i];
      if (this.header !== undefined) {
        this.headerByte(c);
        continue;
      }
      if (this.afterReturn && c !== NEWLINE) this.fail('a line feed after a carriage return', `byte 0x${c.toString(16).padStart(2, '0')}`);
      if (c >= ZERO && c <= NINE) {
        this.value = this.value * 10 + (c - ZERO);
        if (++this.digits > 3 || this.value > 255) this.fail(this.column === 1 ? 'a label from 0 to 255' : 'a pixel value from 0 to 255', 'a larger number');
      } else if (c === COMMA) {
        this.endField();
        this.column++;
      } else if (c === NEWLINE) {
        this.afterReturn = false;
        if (this.column > 1 || this.digits > 0) this.endRow(done);
        this.line++;
        this.column = 1;
      } else if (c === RETURN) {
        this.afterReturn = true;
      } else {
        this.fail(this.column === 1 ? 'a label from 0 to 255' : 'a pixel value from 0 to 255', c >= 32 && c < 127 ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`);
      }
    }
    if (final) {
      if (this.header !== undefined) this.fail('label,pixel1,... rows after the header', this.line === 1 ? 'a header without a line end' : 'no rows');
      if (this.column > 1 || this.digits > 0) this.endRow(done);
      if (this.columns === 0) this.fail('label,pixel1,... rows', 'no rows');
      if (this.row > 0) done.push(this.takeRun());
    }
    return done;
  }

  /** One byte of the header line: its commas counted, its first field checked to be `label`. */
  private headerByte(c: number): void {
    const header = this.header!;
    if (c === NEWLINE || (c === COMMA && this.column === 1)) {
      const name = String.fromCharCode(...header).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').replace(/^"(.*)"\s*$/, '$1').trim();
      if (name !== 'label') this.fail('a header starting with label (label,pixel1,...) or none', JSON.stringify(name.slice(0, 40)));
    }
    if (c === COMMA) this.column++;
    else if (c === NEWLINE) {
      if (this.column < 2) this.fail('label and at least one pixel column in the header', '1 column');
      this.columns = this.column;
      this.header = undefined;
      this.allocate();
      this.line++;
      this.column = 1;
    } else if (this.column === 1 && header.length < 64) header.push(c);
  }

  private endField(): void {
    if (this.digits === 0) this.fail(this.column === 1 ? 'a label from 0 to 255' : 'a pixel value from 0 to 255', 'an empty field');
    if (this.columns === 0) {
      if (this.column > MOST_COLUMNS) this.fail(`at most ${MOST_COLUMNS} columns`, 'more');
      (this.firstRow ??= []).push(this.value);
    } else {
      if (this.column > this.columns) this.fail(`${this.columns} columns as in ${this.line === 1 ? 'the first row' : 'the header or first row'}`, 'more');
      if (this.column === 1) this.labels[this.row] = this.value;
      else this.pixels[this.row * (this.columns - 1) + this.column - 2] = this.value;
    }
    this.value = 0;
    this.digits = 0;
  }

  private endRow(done: CsvRows[]): void {
    this.endField();
    if (this.columns === 0) {
      if (this.column < 2) this.fail('label and at least one pixel column', '1 column');
      this.columns = this.column;
      this.allocate();
      const first = this.firstRow!;
      this.labels[0] = first[0];
      this.pixels.set(first.slice(1), 0);
      this.firstRow = undefined;
    } else if (this.column < this.columns) {
      this.fail(`${this.columns} columns`, `${this.column}`);
    }
    if (++this.row === this.rowsPerRun) done.push(this.takeRun());
  }

  private allocate(): void {
    this.labels = new Uint8Array(this.rowsPerRun);
    this.pixels = new Uint8Array(this.rowsPerRun * (this.columns - 1));
  }

  private takeRun(): CsvRows {
    const count = this.row;
    const width = this.columns - 1;
    const run = { labels: this.labels.subarray(0, count), pixels: this.pixels.subarray(0, count * width), first: this.rows, count, width };
    this.rows += count;
    this.row = 0;
    this.allocate();
    return run;
  }
}
