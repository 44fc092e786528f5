using Lethe.DigitsFetch;
using Lethe.ML.Data;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet Lethe.DigitsFetch.dll <cache folder>");
    return 2;
}

Console.WriteLine(DigitsFingerprint.Of(DigitsSource.LoadNpmDigits(args[0], _ => { })));
return 0;
