using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class NetworkArchitectureTests
{
    private static readonly TensorShape Mnist = new(1, 28, 28);
    private static readonly TensorShape Cifar = new(3, 32, 32);

    [Fact]
    public void The_issue_example_expands_to_conv_relu_pool_flatten_dense_modules_with_inferred_shapes()
    {
        var a = NetworkArchitecture.Parse("conv32k5-pool2-conv64k5-pool2-fc512-10", Mnist);
        Assert.Equal(["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear"], a.Layers.Select(l => l.TorchModule));
        Assert.Equal(new TensorShape(32, 24, 24), a.Shapes[1]);
        Assert.Equal(new TensorShape(64, 4, 4), a.Shapes[6]);
        Assert.Equal(TensorShape.Vector(1024), a.Shapes[7]);
        Assert.Equal([0, 3, 7, 9], a.WeightModules);
        Assert.Equal(10, a.OutputSize);
        Assert.Equal("1x28x28:conv32k5-pool2-conv64k5-pool2-fc512-10", a.ToString());
        Assert.Equal(32 * 25 + 32 + 64 * 32 * 25 + 64 + 1024 * 512 + 512 + 512 * 10 + 10, a.ParameterCount);
    }

    [Fact]
    public void Presets_have_the_published_parameter_counts()
    {
        Assert.Equal(61706, NetworkArchitecture.Parse("lenet5", Mnist).ParameterCount);
        var vgg = NetworkArchitecture.Parse("vgg11", Cifar);
        Assert.Equal(9750922, vgg.ParameterCount);          // VGG-11 features (9,220,480) + 512-512-10 classifier
        Assert.Equal(8, vgg.Layers.Count(l => l is Conv2dSpec));
        Assert.Equal(TensorShape.Vector(128), NetworkArchitecture.Parse("vgg11w16", Cifar).Shapes[^4]);
    }

    [Theory]
    [InlineData("784-100-10", "784-100-10")]
    [InlineData("784-100-10/nobias", "784-100-10/nobias")]
    [InlineData("1x28x28:fc100-10", "1x28x28:fc100-10")]
    [InlineData("3x32x32:conv8k3x5s2p1-avgpool2-conv4k1-10", "3x32x32:conv8k3x5s2p1-avgpool2-conv4k1-10")]
    [InlineData("1x9x9:conv4-maxpool3s2-fc7-3/nobias", "1x9x9:conv4k3-maxpool3s2-fc7-3/nobias")]
    [InlineData("1x8x8:conv4k3-maxpool2-relu-flatten-fc10", "1x8x8:conv4k3-pool2-relu-flatten-fc10")]
    [InlineData("1x8x8:conv4k3-relu-pool2-flatten-fc10", "1x8x8:conv4k3-pool2-10")]
    public void Canonical_strings_round_trip(string text, string canonical)
    {
        var a = NetworkArchitecture.Parse(text);
        Assert.Equal(canonical, a.ToString());
        Assert.Equal(a, NetworkArchitecture.Parse(a.ToString()));
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    public void Random_architectures_round_trip_through_their_text_form(ulong seed)
    {
        var rng = new Rng(seed);
        for (int i = 0; i < 25; i++)
        {
            var a = NaiveNetwork.RandomArchitecture(rng, bias: rng.NextInt(2) == 0);
            Assert.Equal(a, NetworkArchitecture.Parse(a.ToString()));
        }
    }

    [Fact]
    public void An_mlp_is_the_dense_relu_special_case()
    {
        var a = NetworkArchitecture.Parse("784-300-100-10", Mnist);
        Assert.True(a.IsMlp);
        Assert.Equal("784-300-100-10", a.ToMlp().ToString());
        Assert.Equal(a, NetworkArchitecture.FromMlp(MlpArchitecture.Parse("784-300-100-10", true)));
        Assert.False(NetworkArchitecture.Parse("1x28x28:fc100-10").IsMlp);   // image input with a flatten module
        Assert.False(NetworkArchitecture.Parse("lenet5", Mnist).IsMlp);
    }

    [Theory]
    [InlineData("conv32k5-pool2", "last item must be a dense layer")]
    [InlineData("conv0k3-10", "must be a positive integer")]
    [InlineData("convolution-10", "is not a convolution")]
    [InlineData("1x28x28:conv4k29-10", "does not fit")]
    [InlineData("conv4--10", "empty item")]
    [InlineData("2x28x28:conv4-10", "has 1568 values but the data has 784")]
    [InlineData("784-10-10", "")]
    [InlineData("785-10", "differs from the data's 784")]
    [InlineData("1x28x28:fc10-conv4-10", "needs an image input")]
    [InlineData("1x28x28:conv4-relu-fc10", "needs a flat input")]
    [InlineData("pool2-10/nobias/nobias", "is not a convolution")]
    public void Bad_strings_fail_with_the_reason_and_the_grammar(string text, string reason)
    {
        if (reason == "") { Assert.True(NetworkArchitecture.Parse(text, Mnist).IsMlp); return; }
        var e = Assert.Throws<FormatException>(() => NetworkArchitecture.Parse(text, Mnist));
        Assert.Contains(reason, e.Message);
        Assert.Contains("grammar:", e.Message);
    }

    [Fact]
    public void Without_an_input_prefix_or_data_shape_a_cnn_string_is_an_error()
    {
        var e = Assert.Throws<FormatException>(() => NetworkArchitecture.Parse("conv4-10"));
        Assert.Contains("no input prefix", e.Message);
    }
}
